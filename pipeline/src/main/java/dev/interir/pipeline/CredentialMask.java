package dev.interir.pipeline;

/**
 * Hides the user-info part of URLs in text ({@code rtsp://user:pass@host/x} becomes {@code rtsp://***@host/x}):
 * camera URLs often carry a password, and logs, errors and the API must not show it.
 * <p>
 * A single left-to-right pass, linear in the text's length: the equivalent regular expression backtracks
 * quadratically on long runs of URL characters, and this runs on the event loop for client-supplied text.
 */
public final class CredentialMask {
    private CredentialMask() {
    }

    /**
     * Replaces, in every {@code SCHEME://USERINFO@} (scheme: a letter then letters, digits, {@code + . -};
     * user info: anything but {@code / @ " } and whitespace), the user info with {@code ***}.
     */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        int copied = 0;
        int from = 0;
        while (true) {
            int sep = text.indexOf("://", from);
            if (sep < 0) {
                break;
            }
            int userStart = sep + 3;
            int end = userStart;
            while (end < text.length() && isUserInfoChar(text.charAt(end))) {
                end++;
            }
            if (end < text.length() && text.charAt(end) == '@' && hasScheme(text, sep)) {
                if (out == null) {
                    out = new StringBuilder(text.length());
                }
                out.append(text, copied, userStart).append("***@");
                copied = end + 1;
                from = end + 1;
            } else {
                // the user-info scan stopped before any later "://" (it cannot contain '/'), so this stays linear
                from = userStart;
            }
        }
        if (out == null) {
            return text;
        }
        return out.append(text, copied, text.length()).toString();
    }

    /** Whether the characters right before {@code sep} end in a scheme: a letter followed by scheme characters. */
    private static boolean hasScheme(String text, int sep) {
        for (int i = sep - 1; i >= 0; i--) {
            char c = text.charAt(i);
            if (isAsciiLetter(c)) {
                return true;
            }
            if (!(c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-')) {
                return false;
            }
        }
        return false;
    }

    private static boolean isUserInfoChar(char c) {
        return c != '/' && c != '@' && c != '"' && c != ' ' && c != '\t' && c != '\n' && c != '\u000B' && c != '\f'
                && c != '\r';
    }

    private static boolean isAsciiLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }
}
