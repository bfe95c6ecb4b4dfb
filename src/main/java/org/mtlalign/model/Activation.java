package org.mtlalign.model;

/** The activation g applied to the shared representation X B. */
public enum Activation {
    /** g(h) = h: the linear model of the paper's Propositions 1 and 3. */
    IDENTITY,
    /** g(h) = max(h, 0). */
    RELU;

    public static Activation parse(String s) {
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "identity": case "linear": case "none": return IDENTITY;
            case "relu": return RELU;
            default:
                throw new org.mtlalign.UserInputException(
                        "--activation: unknown activation '" + s + "' (expected identity or relu)");
        }
    }

    public String cliName() {
        return this == IDENTITY ? "identity" : "relu";
    }
}
