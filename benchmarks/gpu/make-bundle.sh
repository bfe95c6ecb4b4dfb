#!/usr/bin/env bash
# Builds target/device/: everything benchmarks/gpu/device-check.sh needs on the lent GPU machine,
# which has no Maven, no network and maybe no Java. Run it here, from anywhere:
#
#   bash benchmarks/gpu/make-bundle.sh
#
# Layout of target/device/ (carried to the device as the one ignored path, see README.md):
#   mtl-align-<v>.jar, lib/*.jar    the CLI jar (fatbins inside) and its runtime jars (its manifest
#                                   Class-Path names lib/, so `jre/bin/java -jar mtl-align-*.jar` works)
#   test-classes/                   the compiled tests (GPU tests are tagged "gpu")
#   testlib/*.jar                   test-scope jars not already in lib/ (JUnit Jupiter, EJML, ...)
#   tools/junit-platform-console-standalone-<p>.jar   the JUnit console launcher
#   bench/*.jar                     thin JMH benchmark jar + jmh-core, jopt-simple, commons-math3
#                                   (optional: BUNDLE_BENCH=0 skips it; the library jars come from lib/)
#   native-reports/ptxas-*.txt      ptxas reports (NativeBuildTest reads them from target/native/)
#   jre/                            jlink runtime from ../shared/device/make-jre.sh (+ jdk.incubator.vector)
#   BUILD.txt                       what was built: commit, dates, versions, sizes
#
# Fails if target/device/ is over 60 MiB, or if it plus the working tree exceeds the 64 MiB that
# the device tool carries. Needs Maven, JDK 17 (jlink) and, for the kernels, nvcc on the PATH
# (without nvcc the jar has no fatbins and every GPU test would be skipped: this script refuses).
set -euo pipefail
export LC_ALL=C

repo="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
cd "$repo"
dev="$repo/target/device"   # absolute: Maven resolves relative paths against each pom's basedir
make_jre="${MAKE_JRE:-$repo/../shared/device/make-jre.sh}"
cap_mib=60
carry_cap_mib=64

say() { printf '[bundle] %s\n' "$*"; }
die() { printf '[bundle] ERROR: %s\n' "$*" >&2; exit 1; }

command -v mvn >/dev/null || die "mvn not found"
command -v jlink >/dev/null || [ -n "${JAVA_HOME:-}" ] || die "no jlink (JDK 17) found"
[ -f "$make_jre" ] || die "JRE helper not found: $make_jre (set MAKE_JRE)"

# Versions from the root pom: junit-jupiter 5.x.y pairs with platform 1.x.y.
junit_version="$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' pom.xml | head -n 1)"
[ -n "$junit_version" ] || die "no <junit.version> in pom.xml"
platform_version="1.${junit_version#5.}"
project_version="$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1)"

# ---------------------------------------------------------------------------------------------
say "building the jar (mvn -q -DskipTests package) and the tests (mvn -q test-compile)"
command -v nvcc >/dev/null || die "nvcc is not on the PATH: the jar would carry no kernels"
mvn -q -DskipTests package
mvn -q test-compile
jar="target/mtl-align-${project_version}.jar"
[ -f "$jar" ] || die "missing $jar"
for m in shared_layer losses reductions covariance optimizers svd_jacobi; do
  unzip -l "$jar" "org/mtlalign/native/$m.fatbin" >/dev/null 2>&1 || die "$jar has no $m.fatbin"
done

rm -rf "$dev"
mkdir -p "$dev/lib" "$dev/testlib" "$dev/tools" "$dev/native-reports"
cp "$jar" "$dev/"
cp target/lib/*.jar "$dev/lib/"
# jcuda-natives (9.5 MB) also carries libJNvPTXCompiler (24 MB unpacked) and libJNvrtc, which the
# backend never loads (it uses the driver API only: libJCudaDriver). Repack it, same file name
# (the jar's manifest Class-Path names it), with libJCudaDriver and libJCudaRuntime only.
natives="$(ls "$dev"/lib/jcuda-natives-*.jar)"
slim="$(mktemp -d)"
(cd "$slim" && unzip -q "$natives" && rm -f lib/libJNvPTXCompiler-*.so lib/libJNvrtc-*.so)
ls "$slim"/lib/libJCudaDriver-*.so >/dev/null || die "$natives has no libJCudaDriver"
rm -f "$natives"
jar --create --file "$natives" --manifest "$slim/META-INF/MANIFEST.MF" -C "$slim" lib -C "$slim" META-INF/maven
rm -rf "$slim"
cp -r target/test-classes "$dev/test-classes"
cp target/native/ptxas-*.txt "$dev/native-reports/"

say "test-scope jars (dependency:copy-dependencies -DincludeScope=test), minus those in lib/"
mvn -q dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$dev/testlib"
for f in "$dev"/testlib/*.jar; do
  if [ -f "$dev/lib/$(basename "$f")" ]; then rm -f "$f"; fi
done
for want in junit-jupiter-api junit-jupiter-engine junit-jupiter-params junit-platform-commons \
            junit-platform-engine opentest4j apiguardian-api ejml-ddense ejml-core; do
  ls "$dev"/testlib/"$want"-*.jar >/dev/null 2>&1 || die "testlib lacks $want"
done

say "JUnit console launcher org.junit.platform:junit-platform-console-standalone:$platform_version"
mvn -q dependency:copy \
  -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform_version" \
  -DoutputDirectory="$dev/tools"
[ -f "$dev/tools/junit-platform-console-standalone-$platform_version.jar" ] || die "console launcher not copied"

# ---------------------------------------------------------------------------------------------
# JMH benchmarks: thin jar + JMH's own jars only (the uber jar would repeat lib/, ~17 MB).
# The benchmarks compile against the installed library, so install it first (touches ~/.m2 only).
if [ "${BUNDLE_BENCH:-1}" != 0 ]; then
  say "benchmarks (mvn -q install -DskipTests; mvn -q -f benchmarks/pom.xml package)"
  if mvn -q install -DskipTests && mvn -q -f benchmarks/pom.xml package; then
    mkdir -p "$dev/bench"
    cp "benchmarks/target/mtl-align-benchmarks-${project_version}.jar" "$dev/bench/"
    mvn -q -f benchmarks/pom.xml org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DincludeGroupIds=org.openjdk.jmh,net.sf.jopt-simple,org.apache.commons \
      -DoutputDirectory="$dev/bench"
    for f in "$dev"/bench/*.jar; do
      if [ -f "$dev/lib/$(basename "$f")" ]; then rm -f "$f"; fi
    done
    ls "$dev"/bench/jmh-core-*.jar >/dev/null 2>&1 || die "bench/ lacks jmh-core"
  else
    say "WARNING: the benchmarks did not build; the bundle has no bench/ (device-check skips JMH)"
    rm -rf "$dev/bench"
  fi
fi

# ---------------------------------------------------------------------------------------------
# JRE: the helper's modules (java.base, java.logging, java.management, jdk.management,
# jdk.unsupported, java.xml) plus jdk.incubator.vector, which the pure-Java BLAS fallback
# (VectorBLAS) needs when the device has no libblas.so.3. java.desktop (AWT, only for the PNG
# plots of `mtl reproduce`) is left out: nothing device-check.sh runs needs it.
say "JRE (make-jre.sh, EXTRA_MODULES=jdk.incubator.vector${EXTRA_JRE_MODULES:+,$EXTRA_JRE_MODULES})"
EXTRA_MODULES="jdk.incubator.vector${EXTRA_JRE_MODULES:+,$EXTRA_JRE_MODULES}" bash "$make_jre" "$dev/jre" >/dev/null
# Debian's libjvm.so keeps its symbol table (23 MB); --strip-unneeded keeps the dynamic symbols
# (all the JVM needs) and saves about 3 MB. STRIP_JVM=0 keeps it as is.
if [ "${STRIP_JVM:-1}" != 0 ] && command -v strip >/dev/null; then
  strip --strip-unneeded "$dev/jre/lib/server/libjvm.so"
fi
"$dev/jre/bin/java" --list-modules > "$dev/jre-modules.txt"
grep -q '^jdk.incubator.vector' "$dev/jre-modules.txt" || die "the JRE lacks jdk.incubator.vector"
grep -q '^jdk.unsupported' "$dev/jre-modules.txt" || die "the JRE lacks jdk.unsupported"

# Smoke test of the bundle with its own JRE (no GPU needed).
"$dev/jre/bin/java" --add-modules jdk.incubator.vector -jar "$dev/mtl-align-${project_version}.jar" --version \
  >/dev/null || die "the bundled JRE cannot run the CLI"

# ---------------------------------------------------------------------------------------------
{
  echo "mtl-align device bundle"
  echo "built:     $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
  echo "commit:    $(git rev-parse HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src native pom.xml 2>/dev/null || echo ' (+ local changes)')"
  echo "jar:       mtl-align-${project_version}.jar"
  echo "kernels:   $(unzip -p "$jar" org/mtlalign/native/kernels.properties 2>/dev/null | grep -v '^#' | tr '\n' ' ')"
  echo "junit:     jupiter $junit_version, platform $platform_version"
  echo "jre:       $("$dev/jre/bin/java" -version 2>&1 | head -n 1); modules: $(tr '\n' ' ' < "$dev/jre-modules.txt" | sed 's/@[^ ]*//g')"
  echo
  echo "sizes (KiB):"
  (cd "$dev" && du -sk -- *) | sort -rn
} > "$dev/BUILD.txt"

bytes="$(du -sb "$dev" | cut -f1)"
tree_bytes="$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -n 1 | cut -f1)"
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
echo "total:     $(mib "$bytes") MiB (cap $cap_mib MiB); working tree $(mib "$tree_bytes") MiB; carried together $(mib $((bytes + tree_bytes))) MiB (cap $carry_cap_mib MiB)" >> "$dev/BUILD.txt"

(cd "$dev" && du -sh -- *) | sort -rh | sed 's/^/[bundle]   /'
say "total $(mib "$bytes") MiB in $dev (cap $cap_mib MiB); with the working tree $(mib $((bytes + tree_bytes))) MiB (cap $carry_cap_mib MiB)"
if [ "$bytes" -gt $((cap_mib * 1048576)) ]; then
  die "$dev is $(mib "$bytes") MiB, over the $cap_mib MiB cap"
fi
if [ $((bytes + tree_bytes)) -gt $((carry_cap_mib * 1048576)) ]; then
  die "$dev plus the working tree is over the $carry_cap_mib MiB the device tool carries"
fi
say "ok: carry [\"target/device\"] and run: bash benchmarks/gpu/device-check.sh"
