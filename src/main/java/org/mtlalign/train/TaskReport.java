package org.mtlalign.train;

/**
 * One task's line of an experiment: sizes, the headline test metric for single-task learning,
 * MTL, MTL with alignment (Algorithm 1) and MTL with SVD reweighting (Algorithm 2), and the
 * transfer: MTL minus STL, signed so that positive means MTL is better.
 */
public record TaskReport(String name, String loss, String lossReason, int trainRows, int validationRows, int testRows,
                         int outputs, String metric, double stl, double mtl, double mtlAlign, double mtlReweight,
                         double weight, double transfer, String transferSign) {
}
