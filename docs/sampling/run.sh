#!/bin/bash
# Trainings of docs/results/sampling.md: every suite of docs/sampling/suites.py (and the built-in
# demo) under --sampling round-robin (with the STL baselines) and proportional (--no-stl: the same
# splits, so the same STL models), seeds 1-3, all other options at mtl train's defaults.
#   docs/sampling/run.sh /tmp/sampling-data /tmp/sampling-out
# then: python3 docs/sampling/report.py /tmp/sampling-out demo,aniso,... round-robin,proportional
set -u
data=$1; out=$2
mkdir -p "$out"
cd "$(dirname "$0")/../.."
suites="demo aniso cap-bin-1x cap-bin-5x cap-bin-30x cap-bin-100x cap-reg-1x cap-reg-5x cap-reg-30x cap-reg-100x
  cap-mix-1x cap-mix-5x cap-mix-30x cap-mix-100x emb-binary-1x emb-binary-5x emb-binary-30x emb-binary-100x
  emb-mixed-1x emb-mixed-5x emb-mixed-30x emb-mixed-100x text-1x text-33x text-100x linear"
for rule in round-robin proportional; do
  for suite in $suites; do
    src=(--tasks "$data/$suite"); [ -d "$data/$suite/tasks" ] && src=(--tasks "$data/$suite/tasks")
    [ "$suite" = demo ] && src=()
    stl=(); [ "$rule" != round-robin ] && stl=(--no-stl)
    ./mtl train "${src[@]}" --seeds 3 --align none --reweight none --sampling "$rule" "${stl[@]}" \
      --json "$out/$suite-$rule.json" > "$out/$suite-$rule.txt" 2>&1 || echo "$suite $rule: exit $?"
  done
done
