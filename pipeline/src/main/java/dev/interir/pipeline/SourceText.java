package dev.interir.pipeline;

/**
 * The checks a raw source string passes before it is parsed. It is refused rather than cleaned up: a trimmed or
 * filtered string is a different string from the one that was checked, and FFmpeg would get the other one.
 */
final class SourceText {
    /** Longest source accepted; camera URLs and media paths are far shorter. */
    static final int MAX_LENGTH = 2048;
    /** How much of a refused source an error message repeats. */
    private static final int SHOWN_LENGTH = 120;

    private SourceText() {
    }

    /** @throws IllegalArgumentException if the source is empty, too long, padded, or holds an invisible character */
    static String check(String source) {
        if (source == null || source.isEmpty()) {
            throw new IllegalArgumentException("source is empty");
        }
        if (source.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("source is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < source.length(); ) {
            int cp = source.codePointAt(i);
            if (invisible(cp)) {
                throw new IllegalArgumentException(String.format(
                        "source contains a control or invisible character (U+%04X) at position %d", cp, i));
            }
            i += Character.charCount(cp);
        }
        if (blank(source.codePointAt(0)) || blank(source.codePointBefore(source.length()))) {
            throw new IllegalArgumentException("source has leading or trailing whitespace");
        }
        return source;
    }

    /** The start of a source for an error message, credentials masked. */
    static String shown(String source) {
        String s = source.length() > SHOWN_LENGTH ? source.substring(0, SHOWN_LENGTH) + "…" : source;
        return CredentialMask.mask(s);
    }

    /** Control characters, format characters (zero-width, byte-order mark, bidirectional overrides), separators. */
    private static boolean invisible(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE;
    }

    private static boolean blank(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }
}
