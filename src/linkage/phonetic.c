/*
 * phonetic.c - NYSIIS (see phonetic.h), the original rules:
 *
 *  1. first letters MAC -> MCC, KN -> NN, K -> C, PH and PF -> FF,
 *     SCH -> SSS;
 *  2. last letters EE and IE -> Y; DT, RT, RD, NT, ND -> D;
 *  3. the first letter of the code is the first letter of the name;
 *  4. then, for each later letter: EV -> AF, else a vowel -> A; Q -> G,
 *     Z -> S, M -> N; KN -> N, else K -> C; SCH -> SSS; PH -> FF; H after
 *     or before a non-vowel -> the previous letter; W after a vowel -> the
 *     previous letter; the letter is added unless the code already ends
 *     with it;
 *  5. a last S is removed, a last AY becomes Y, a last A is removed;
 *  6. the code is cut to six letters.
 */
#include "linkage/phonetic.h"

#include <string.h>

#define NYSIIS_BUF 64

static int
vowel(char c)
{
    return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U';
}

static int
starts(const char *s, size_t n, const char *p)
{
    size_t lp = strlen(p);
    return n >= lp && memcmp(s, p, lp) == 0;
}

static int
ends(const char *s, size_t n, const char *p)
{
    size_t lp = strlen(p);
    return n >= lp && memcmp(s + n - lp, p, lp) == 0;
}

size_t
phonetic_nysiis(const char *name, size_t n, char *out)
{
    char s[NYSIIS_BUF + 1];
    size_t len = 0;
    for (size_t i = 0; i < n && len < NYSIIS_BUF; i++) {
        char c = name[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c >= 'A' && c <= 'Z')
            s[len++] = c;
    }
    out[0] = '\0';
    if (len == 0)
        return 0;
    s[len] = '\0';

    if (starts(s, len, "MAC"))
        memcpy(s, "MCC", 3);
    else if (starts(s, len, "KN"))
        memcpy(s, "NN", 2);
    else if (s[0] == 'K')
        s[0] = 'C';
    else if (starts(s, len, "PH") || starts(s, len, "PF"))
        memcpy(s, "FF", 2);
    else if (starts(s, len, "SCH"))
        memcpy(s, "SSS", 3);

    if (ends(s, len, "EE") || ends(s, len, "IE")) {
        s[len - 2] = 'Y';
        len--;
    } else if (ends(s, len, "DT") || ends(s, len, "RT") || ends(s, len, "RD") ||
               ends(s, len, "NT") || ends(s, len, "ND")) {
        s[len - 2] = 'D';
        len--;
    }
    s[len] = '\0';

    char key[NYSIIS_BUF + 1];
    size_t k = 0;
    key[k++] = s[0];
    for (size_t i = 1; i < len; i++) {
        char c = s[i], next = i + 1 < len ? s[i + 1] : '\0', prev = s[i - 1];
        if (c == 'E' && next == 'V') {
            s[i] = 'A';
            s[i + 1] = 'F';
        } else if (vowel(c)) {
            s[i] = 'A';
        } else if (c == 'Q') {
            s[i] = 'G';
        } else if (c == 'Z') {
            s[i] = 'S';
        } else if (c == 'M') {
            s[i] = 'N';
        } else if (c == 'K') {
            s[i] = next == 'N' ? 'N' : 'C';
        } else if (c == 'S' && next == 'C' && i + 2 < len && s[i + 2] == 'H') {
            s[i + 1] = 'S';
            s[i + 2] = 'S';
        } else if (c == 'P' && next == 'H') {
            s[i] = 'F';
            s[i + 1] = 'F';
        } else if (c == 'H') {
            if (!vowel(prev) || next == '\0' || !vowel(next))
                s[i] = prev;
        } else if (c == 'W') {
            if (vowel(prev))
                s[i] = prev;
        }
        if (s[i] != key[k - 1])
            key[k++] = s[i];
    }
    if (k > 1 && key[k - 1] == 'S')
        k--;
    if (k > 1 && key[k - 2] == 'A' && key[k - 1] == 'Y') {
        key[k - 2] = 'Y';
        k--;
    }
    if (k > 1 && key[k - 1] == 'A')
        k--;
    if (k > PHONETIC_MAX)
        k = PHONETIC_MAX;
    memcpy(out, key, k);
    out[k] = '\0';
    return k;
}

uint32_t
phonetic_pack(const char *code, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n && i < PHONETIC_MAX; i++)
        v = v << 5 | (uint32_t)(code[i] - 'A' + 1);
    return v;
}
