/*
 * compare.c - the comparison of two records, field by field, into levels
 * (lk_fields is the table: docs/linkage.md shows it), and a pair's weight.
 *
 * First names: exact; a nickname of the other or one of its aliases;
 * first and last name swapped; Jaro-Winkler >= 0.92 or one edit (optimal
 * string alignment); Jaro-Winkler >= 0.80 or two edits; different.
 * Last names: exact; Jaro-Winkler >= 0.92 or one edit; Jaro-Winkler >= 0.80
 * or two edits; different. Aliases ("Kiki", "Kiki Jones") count as other
 * first (and last) names of their record.
 * Dates of birth: exact; day and month transposed; one digit off; a year
 * apart on the same day; an estimated age within a year of the other's
 * (estimated or actual) birth year; different; an estimated age further off.
 * Gender, phone: same or not. ZIP: same; same first three digits; other.
 * A field missing on either side is level 0, which weighs nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "linkage/lk_internal.h"
#include "linkage/strsim.h"

const lk_field lk_fields[LK_FIELDS] = {
    {"first_name",
     "first name",
     FIRST_N,
     {"missing", "exact", "nickname", "swapped", "close", "similar", "different"},
     {"is missing", "agrees exactly", "is a nickname or alias of the other",
      "is the other's last name (first and last swapped)",
      "is close (Jaro-Winkler at least 0.92, or one typo)",
      "is similar (Jaro-Winkler at least 0.80, or two typos)", "disagrees"}},
    {"last_name",
     "last name",
     LAST_N,
     {"missing", "exact", "close", "similar", "different"},
     {"is missing", "agrees exactly", "is close (Jaro-Winkler at least 0.92, or one typo)",
      "is similar (Jaro-Winkler at least 0.80, or two typos)", "disagrees"}},
    {"dob",
     "date of birth",
     DOB_N,
     {"missing", "exact", "transposed", "one_digit", "year_apart", "age_agrees", "different",
      "age_disagrees"},
     {"is missing", "agrees exactly", "has day and month swapped", "is one digit off",
      "is the same day a year apart", "agrees with an estimated age within a year", "disagrees",
      "disagrees with an estimated age by more than a year"}},
    {"gender",
     "gender",
     SAME_N,
     {"missing", "same", "different"},
     {"is missing", "agrees", "disagrees"}},
    {"zip",
     "ZIP code",
     ZIP_N,
     {"missing", "exact", "area", "different"},
     {"is missing", "agrees exactly", "shares its first three digits", "disagrees"}},
    {"phone",
     "phone number",
     SAME_N,
     {"missing", "same", "different"},
     {"is missing", "agrees", "disagrees"}},
};

static const uint16_t radix[LK_FIELDS] = {FIRST_N, LAST_N, DOB_N, SAME_N, ZIP_N, SAME_N};

uint16_t
lk_pattern_of(const uint8_t lv[LK_FIELDS])
{
    unsigned p = 0;
    for (size_t f = 0; f < LK_FIELDS; f++)
        p = p * radix[f] + lv[f];
    return (uint16_t)p;
}

void
lk_pattern_levels(uint16_t pattern, uint8_t lv[LK_FIELDS])
{
    unsigned p = pattern;
    for (size_t f = LK_FIELDS; f-- > 0;) {
        lv[f] = (uint8_t)(p % radix[f]);
        p /= radix[f];
    }
}

/* Close: JW >= 0.92 or one edit; similar: JW >= 0.80 or two edits (names of
 * at least five letters, where two edits still leave most of the name). */
static int
fuzzy(const char *a, size_t la, const char *b, size_t lb, int close, int similar, int other)
{
    /* Most pairs share few letters: letters in common (as a multiset) bound
     * both measures from above and below, so the exact ones are computed only
     * when the bounds leave the level open. */
    uint8_t h[32] = {0};
    size_t common = 0;
    for (size_t i = 0; i < la; i++)
        h[a[i] & 31]++;
    for (size_t j = 0; j < lb; j++)
        if (h[b[j] & 31]) {
            h[b[j] & 31]--;
            common++;
        }
    size_t longer = la > lb ? la : lb;
    size_t edits_at_least = longer - common; /* each edit fixes at most one letter */
    double jaro_most =
        common ? ((double)common / (double)la + (double)common / (double)lb + 1) / 3 : 0;
    double jw_most = jaro_most > 0.7 ? jaro_most + 0.4 * (1 - jaro_most) : jaro_most;
    if (jw_most < 0.80 && edits_at_least > 2)
        return other;
    double jw = strsim_jaro_winkler(a, la, b, lb);
    if (jw >= 0.92)
        return close;
    size_t dl = la > lb ? la - lb : lb - la;
    int d = dl <= 2 && edits_at_least <= 2 ? strsim_osa(a, la, b, lb) : 3;
    if (d <= 1)
        return close;
    if (jw >= 0.80 || (d == 2 && la >= 5 && lb >= 5))
        return similar;
    return other;
}

typedef struct names {
    const char *s[1 + 8];
    size_t n[1 + 8];
    const uint16_t *g[1 + 8];
    size_t ng[1 + 8];
    size_t count;
} names;

/* A record's first names (its own, then its aliases'), or last names. */
static void
collect(const lk_data *d, const lk_rec *r, int last, names *out)
{
    out->count = 0;
    const char *own = last ? r->last : r->first;
    size_t ownlen = last ? r->llen : r->flen;
    if (ownlen) {
        out->s[0] = own;
        out->n[0] = ownlen;
        out->g[0] = r->nick;
        out->ng[0] = last ? 0 : r->nnick;
        out->count = 1;
    }
    for (size_t i = 0; i < r->nalias && out->count < 9; i++) {
        const lk_alias *a = &d->aliases[r->alias_off + i];
        const char *s = last ? a->last : a->first;
        size_t n = last ? a->llen : a->flen;
        if (!n)
            continue;
        size_t k = out->count++;
        out->s[k] = s;
        out->n[k] = n;
        out->ng[k] = last ? 0 : nickname_groups(d->nick, s, n, &out->g[k]);
    }
}

static int
same(const char *a, size_t la, const char *b, size_t lb)
{
    return la == lb && memcmp(a, b, la) == 0;
}

static int
first_level(const lk_data *da, const lk_rec *a, const lk_data *db, const lk_rec *b)
{
    if (a->flen && b->flen && same(a->first, a->flen, b->first, b->flen))
        return FIRST_EXACT;
    names na, nb;
    collect(da, a, 0, &na);
    collect(db, b, 0, &nb);
    if (!na.count || !nb.count)
        return 0;
    /* a nickname of the other, or an alias equal to or a nickname of a name of the other */
    for (size_t i = 0; i < na.count; i++)
        for (size_t j = 0; j < nb.count; j++)
            if ((i || j) && same(na.s[i], na.n[i], nb.s[j], nb.n[j]))
                return FIRST_NICK;
    for (size_t i = 0; i < na.count; i++)
        for (size_t j = 0; j < nb.count; j++)
            if (nickname_share(na.g[i], na.ng[i], nb.g[j], nb.ng[j]))
                return FIRST_NICK;
    int best = FIRST_OTHER;
    for (size_t i = 0; i < na.count && best > FIRST_CLOSE; i++)
        for (size_t j = 0; j < nb.count && best > FIRST_CLOSE; j++) {
            int l =
                fuzzy(na.s[i], na.n[i], nb.s[j], nb.n[j], FIRST_CLOSE, FIRST_SIMILAR, FIRST_OTHER);
            if (l < best)
                best = l;
        }
    return best;
}

static int
last_level(const lk_data *da, const lk_rec *a, const lk_data *db, const lk_rec *b)
{
    if (a->llen && b->llen && same(a->last, a->llen, b->last, b->llen))
        return LAST_EXACT;
    names na, nb;
    collect(da, a, 1, &na);
    collect(db, b, 1, &nb);
    if (!na.count || !nb.count)
        return 0;
    int best = LAST_OTHER;
    for (size_t i = 0; i < na.count && best > LAST_EXACT; i++)
        for (size_t j = 0; j < nb.count && best > LAST_EXACT; j++) {
            int l = same(na.s[i], na.n[i], nb.s[j], nb.n[j])
                        ? LAST_CLOSE /* an alias's last name: no better than close */
                        : fuzzy(na.s[i], na.n[i], nb.s[j], nb.n[j], LAST_CLOSE, LAST_SIMILAR,
                                LAST_OTHER);
            if (l < best)
                best = l;
        }
    return best;
}

static int
dob_level(const lk_rec *a, const lk_rec *b)
{
    if (a->dob && b->dob) {
        uint32_t x = a->dob, y = b->dob;
        if (x == y)
            return DOB_EXACT;
        uint32_t xd = x % 100, xm = x / 100 % 100, yd = y % 100, ym = y / 100 % 100;
        if (x / 10000 == y / 10000 && xd == ym && xm == yd)
            return DOB_SWAP;
        int diff = 0;
        for (uint32_t p = x, q = y; p || q; p /= 10, q /= 10)
            diff += p % 10 != q % 10;
        if (diff == 1)
            return DOB_TYPO;
        if (x % 10000 == y % 10000 && (x / 10000 == y / 10000 + 1 || y / 10000 == x / 10000 + 1))
            return DOB_YEAR;
        return DOB_OTHER;
    }
    if (a->byear && b->byear && (a->byear_est || b->byear_est))
        return abs(a->byear - b->byear) <= 1 ? DOB_AGE_OK : DOB_AGE_FAR;
    return 0;
}

/* Each name close to the other record's other name: both Jaro-Winkler at
 * least 0.85 and together at least 1.80 (one may carry a typo). */
static int
swapped(const lk_rec *a, const lk_rec *b)
{
    /* one initial at least survives a swap with a typo */
    if (a->first[0] != b->last[0] && a->last[0] != b->first[0])
        return 0;
    double x = strsim_jaro_winkler(a->first, a->flen, b->last, b->llen);
    if (x < 0.85)
        return 0;
    double y = strsim_jaro_winkler(a->last, a->llen, b->first, b->flen);
    return y >= 0.85 && x + y >= 1.80;
}

uint16_t
lk_compare(const lk_data *da, const lk_rec *a, const lk_data *db, const lk_rec *b,
           uint8_t lv[LK_FIELDS])
{
    int fl = first_level(da, a, db, b);
    int ll = last_level(da, a, db, b);
    /* first and last name swapped: each close to the other's other name */
    if (fl >= FIRST_CLOSE && ll >= LAST_CLOSE && a->flen && a->llen && b->flen && b->llen &&
        swapped(a, b)) {
        fl = FIRST_SWAP;
        /* exact only when both names are the other's exactly, so that the
         * comparison stays symmetric */
        ll = same(a->last, a->llen, b->first, b->flen) && same(a->first, a->flen, b->last, b->llen)
                 ? LAST_EXACT
                 : LAST_CLOSE;
    }
    lv[F_FIRST] = (uint8_t)fl;
    lv[F_LAST] = (uint8_t)ll;
    lv[F_DOB] = (uint8_t)dob_level(a, b);
    lv[F_GENDER] = a->gender && b->gender ? (a->gender == b->gender ? SAME_EXACT : SAME_OTHER) : 0;
    lv[F_ZIP] = a->zip && b->zip ? (a->zip == b->zip               ? ZIP_EXACT
                                    : a->zip / 100 == b->zip / 100 ? ZIP_AREA
                                                                   : ZIP_OTHER)
                                 : 0;
    lv[F_PHONE] = a->phone && b->phone ? (a->phone == b->phone ? SAME_EXACT : SAME_OTHER) : 0;
    return lk_pattern_of(lv);
}

double
lk_pair_weight(const lk_model *m, const lk_rec *a, uint16_t pattern, const uint8_t lv[LK_FIELDS])
{
    double w = m->pattern_w[pattern];
    if (lv[F_FIRST] == FIRST_EXACT)
        w += a->tfw_first;
    if (lv[F_LAST] == LAST_EXACT)
        w += a->tfw_last;
    return w;
}
