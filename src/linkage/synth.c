/*
 * synth.c - the synthetic generator (see synth.h).
 *
 * Persons: a first name from the nickname list's groups (so nicknames can
 * be drawn), weighted so that some are common (the commonest about 2.5 %);
 * a last name from 100 common US surnames (20 %, "Smith" about 0.8 % of all,
 * as in the census) or built from syllables (a long tail of rarer ones,
 * 80 %); a date of birth from 1990 to 2012; gender; one of 400 ZIP codes
 * (some far more common); a phone (80 %); a street alias (15 %). A person
 * has 1 + a geometric number of records (mean 2 easy, 2.5 hard, at most
 * 10), each with a record date from 2014 to 2025.
 *
 * Every record but the person's first gets errors (easy: 0 or 1; hard: 1
 * to 3, and the first record 0 or 1 too), each drawn from the weights in
 * `errors` below; then fields go missing at the profile's rates.
 */
#include "linkage/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linkage/nickname.h"

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t
next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static size_t
below(rng *r, size_t n)
{
    return n ? (size_t)(next(r) % n) : 0;
}

static double
unit(rng *r)
{
    return (double)(next(r) >> 11) * 0x1.0p-53;
}

/* A cumulative distribution over n ranks with weight (rank + k)^-s. */
typedef struct cdf {
    double *c;
    size_t n;
} cdf;

static int
cdf_init(cdf *d, size_t n, double k, double s)
{
    d->n = n;
    d->c = malloc(n * sizeof *d->c);
    if (!d->c)
        return -1;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += pow((double)i + k, -s);
        d->c[i] = sum;
    }
    for (size_t i = 0; i < n; i++)
        d->c[i] /= sum;
    return 0;
}

static size_t
cdf_draw(const cdf *d, rng *r)
{
    double u = unit(r);
    size_t lo = 0, hi = d->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->c[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const char *const surnames[] = {
    "Smith",    "Johnson",   "Williams",   "Brown",     "Jones",    "Garcia",   "Miller",
    "Davis",    "Rodriguez", "Martinez",   "Hernandez", "Lopez",    "Gonzalez", "Wilson",
    "Anderson", "Thomas",    "Taylor",     "Moore",     "Jackson",  "Martin",   "Lee",
    "Perez",    "Thompson",  "White",      "Harris",    "Sanchez",  "Clark",    "Ramirez",
    "Lewis",    "Robinson",  "Walker",     "Young",     "Allen",    "King",     "Wright",
    "Scott",    "Torres",    "Nguyen",     "Hill",      "Flores",   "Green",    "Adams",
    "Nelson",   "Baker",     "Hall",       "Rivera",    "Campbell", "Mitchell", "Carter",
    "Roberts",  "Gomez",     "Phillips",   "Evans",     "Turner",   "Diaz",     "Parker",
    "Cruz",     "Edwards",   "Collins",    "Reyes",     "Stewart",  "Morris",   "Morales",
    "Murphy",   "Cook",      "Rogers",     "Gutierrez", "Ortiz",    "Morgan",   "Cooper",
    "Peterson", "Bailey",    "Reed",       "Kelly",     "Howard",   "Ramos",    "Kim",
    "Cox",      "Ward",      "Richardson", "Watson",    "Brooks",   "Chavez",   "Wood",
    "James",    "Bennett",   "Gray",       "Mendoza",   "Ruiz",     "Hughes",   "Price",
    "Alvarez",  "Castillo",  "Sanders",    "Patel",     "Myers",    "Long",     "Ross",
    "Foster",   "Jimenez",
};

/* syllables for the long tail of rarer surnames */
static const char *const syl_a[] = {
    "Al",  "Bar", "Bel", "Bran", "Cal", "Car",  "Dal", "Dor", "Es",  "Fal", "Gar",
    "Gol", "Har", "Hol", "Ing",  "Jar", "Kal",  "Kel", "Lam", "Lor", "Mal", "Mor",
    "Nav", "Nor", "Ol",  "Par",  "Pen", "Quin", "Ram", "Ros", "Sal", "Sor", "Tal",
    "Tor", "Ul",  "Val", "Ver",  "Wal", "Wen",  "Yar", "Zam", "Zel",
};
static const char *const syl_b[] = {
    "",   "a",  "e",  "i",  "o",  "u",  "an", "en", "in", "on",
    "ar", "er", "ir", "or", "ab", "ed", "il", "om", "ur", "ev",
};
static const char *const syl_c[] = {
    "bury", "by",    "dale",  "den",  "ez",   "field", "ford", "gard",  "ham",  "holt",
    "ing",  "kin",   "land",  "ley",  "lin",  "low",   "man",  "mont",  "more", "nez",
    "ov",   "ova",   "quist", "rick", "sen",  "ski",   "son",  "stead", "ton",  "vich",
    "wick", "worth", "zo",    "ini",  "etti", "ado",   "eda",  "ena",   "ard",  "ell",
};

static const char *const monikers[] = {
    "Kiki",   "Lucky", "Star",     "Diamond", "Precious", "Baby",  "Candy", "Cookie",
    "Bunny",  "Angel", "Princess", "Lady",    "Sunny",    "Honey", "Mimi",  "Coco",
    "Dream",  "Jazz",  "Nina",     "Lala",    "Peaches",  "Bebe",  "Missy", "Roxy",
    "Shorty", "Tink",  "Smiley",   "Red",     "Cherry",   "Gigi",
};

static const char *const areas[] = {"213", "310", "323", "424", "562", "626", "661", "747", "818"};

typedef struct person {
    uint32_t id;
    char first[40], last[40], alias[24];
    int y, m, d;
    int gender; /* 1 F, 2 M */
    unsigned zip;
    char phone[20];
    size_t group; /* the first name's nickname group */
} person;

typedef struct gen {
    rng r;
    synth_profile profile;
    const nickname_table *nick;
    cdf first, last, zip, sa, sb, sc;
    unsigned zips[400];
} gen;

static void
title(char *s)
{
    for (size_t i = 0; s[i]; i++) {
        if (i == 0 || s[i - 1] == ' ' || s[i - 1] == '-')
            s[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
        else
            s[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    }
}

static void
set(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

static int
days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

static void
random_dob(gen *g, int *y, int *m, int *d)
{
    *y = 1990 + (int)below(&g->r, 23);
    *m = 1 + (int)below(&g->r, 12);
    *d = 1 + (int)below(&g->r, (size_t)days_in(*y, *m));
}

static void
random_last(gen *g, char *out, size_t n)
{
    if (unit(&g->r) < 0.20) {
        set(out, n, surnames[cdf_draw(&g->last, &g->r)]);
        return;
    }
    snprintf(out, n, "%s%s%s", syl_a[cdf_draw(&g->sa, &g->r)], syl_b[cdf_draw(&g->sb, &g->r)],
             syl_c[cdf_draw(&g->sc, &g->r)]);
    title(out);
}

static void
random_phone(gen *g, char *out, size_t n)
{
    snprintf(out, n, "(%s) %03u-%04u", areas[below(&g->r, 9)], 200 + (unsigned)below(&g->r, 800),
             (unsigned)below(&g->r, 10000));
}

static void
make_person(gen *g, person *p, uint32_t id)
{
    memset(p, 0, sizeof *p);
    p->id = id;
    /* the list is alphabetical: a fixed permutation decides which names are common */
    size_t ng = nickname_group_count(g->nick);
    p->group = (cdf_draw(&g->first, &g->r) * 7919 + 13) % ng;
    set(p->first, sizeof p->first, nickname_group_name(g->nick, p->group, 0));
    title(p->first);
    random_last(g, p->last, sizeof p->last);
    random_dob(g, &p->y, &p->m, &p->d);
    p->gender = 1 + (int)below(&g->r, 2);
    p->zip = g->zips[cdf_draw(&g->zip, &g->r)];
    if (unit(&g->r) < 0.80)
        random_phone(g, p->phone, sizeof p->phone);
    if (unit(&g->r) < 0.15)
        set(p->alias, sizeof p->alias, monikers[below(&g->r, sizeof monikers / sizeof *monikers)]);
}

/* ---- errors ------------------------------------------------------------- */

static const char *const keyboard[26] = {
    "qwsz",   "vghn",  "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb", "ujko",
    "huikmn", "jiolm", "kop",  "njk",    "bhjm", "iklp",   "ol",     "wa",     "edft",
    "awedxz", "rfgy",  "yhji", "cfgb",   "qase", "zsdc",   "tghu",   "asx",
};

/* Replaces N bytes at AT of S (capacity CAP) with REP. */
static void
splice(char *s, size_t cap, size_t at, size_t n, const char *rep)
{
    size_t len = strlen(s), rl = strlen(rep);
    if (at > len || at + n > len || len - n + rl + 1 > cap)
        return;
    memmove(s + at + rl, s + at + n, len - at - n + 1);
    memcpy(s + at, rep, rl);
}

static void
typo(gen *g, char *s, size_t cap)
{
    size_t len = strlen(s);
    if (len < 2)
        return;
    size_t i = 1 + below(&g->r, len - 1); /* people rarely get the first letter wrong */
    char c = (char)(s[i] | 0x20);
    char rep[2] = {0, 0};
    switch (below(&g->r, 4)) {
    case 0: /* substitute a neighbouring key */
        if (c >= 'a' && c <= 'z') {
            const char *k = keyboard[c - 'a'];
            rep[0] = k[below(&g->r, strlen(k))];
            splice(s, cap, i, 1, rep);
        }
        break;
    case 1: /* delete */
        splice(s, cap, i, 1, "");
        break;
    case 2: /* insert */
        rep[0] = (char)('a' + below(&g->r, 26));
        splice(s, cap, i, 0, rep);
        break;
    default: /* transpose */
        if (i + 1 < len) {
            char t = s[i];
            s[i] = s[i + 1];
            s[i + 1] = t;
        }
    }
}

static const char *const ocr[][2] = {
    {"m", "rn"}, {"rn", "m"}, {"d", "cl"}, {"cl", "d"}, {"w", "vv"}, {"l", "i"},
    {"i", "l"},  {"o", "c"},  {"h", "b"},  {"e", "c"},  {"u", "v"},  {"n", "ri"},
};
static const char *const sounds[][2] = {
    {"ph", "f"}, {"f", "ph"}, {"ck", "k"},  {"c", "k"},  {"k", "c"},    {"ie", "y"},  {"y", "ie"},
    {"z", "s"},  {"s", "z"},  {"ee", "ea"}, {"ou", "u"}, {"th", "t"},   {"ll", "l"},  {"nn", "n"},
    {"tt", "t"}, {"l", "ll"}, {"i", "y"},   {"y", "i"},  {"sh", "sch"}, {"ei", "ie"},
};

/* Applies one of the replacements TAB (N of them) that fits S past its first
 * letter; falls back to a typo. */
static void
replace(gen *g, char *s, size_t cap, const char *const (*tab)[2], size_t n)
{
    size_t start = below(&g->r, n);
    for (size_t k = 0; k < n; k++) {
        const char *const *t = tab[(start + k) % n];
        char *at = strstr(s + 1, t[0]);
        if (at) {
            splice(s, cap, (size_t)(at - s), strlen(t[0]), t[1]);
            return;
        }
    }
    typo(g, s, cap);
}

enum err_kind {
    E_TYPO_FIRST,
    E_TYPO_LAST,
    E_OCR,
    E_PHONETIC,
    E_NICKNAME,
    E_ALIAS,
    E_SWAP,
    E_DOB_SWAP,
    E_DOB_DIGIT,
    E_DOB_YEAR,
    E_DOB_WRONG,
    E_MOVED,
    E_PHONE,
    E_NEW_LAST,
    E__N
};

/* weights of each kind of error */
static const unsigned errors[E__N] = {
    [E_TYPO_FIRST] = 14, [E_TYPO_LAST] = 14, [E_OCR] = 6,      [E_PHONETIC] = 10, [E_NICKNAME] = 14,
    [E_ALIAS] = 5,       [E_SWAP] = 5,       [E_DOB_SWAP] = 6, [E_DOB_DIGIT] = 8, [E_DOB_YEAR] = 5,
    [E_DOB_WRONG] = 2,   [E_MOVED] = 10,     [E_PHONE] = 4,    [E_NEW_LAST] = 2,
};

typedef struct rec {
    char first[40], last[40], aliases[80];
    int y, m, d, dob_missing;
    int gender;
    unsigned zip;
    char phone[20];
} rec;

static int
valid(int y, int m, int d)
{
    return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= days_in(y, m);
}

static void
apply_error(gen *g, const person *p, rec *r)
{
    unsigned total = 0;
    for (size_t k = 0; k < E__N; k++)
        total += errors[k];
    unsigned x = (unsigned)below(&g->r, total);
    size_t kind = 0;
    while (x >= errors[kind]) {
        x -= errors[kind];
        kind++;
    }
    char *name = below(&g->r, 2) ? r->first : r->last;
    switch (kind) {
    case E_TYPO_FIRST:
        typo(g, r->first, sizeof r->first);
        break;
    case E_TYPO_LAST:
        typo(g, r->last, sizeof r->last);
        break;
    case E_OCR:
        replace(g, name, sizeof r->first, ocr, sizeof ocr / sizeof *ocr);
        break;
    case E_PHONETIC:
        replace(g, name, sizeof r->first, sounds, sizeof sounds / sizeof *sounds);
        break;
    case E_NICKNAME: {
        size_t n = nickname_group_size(g->nick, p->group);
        if (n > 1) {
            set(r->first, sizeof r->first,
                nickname_group_name(g->nick, p->group, 1 + below(&g->r, n - 1)));
            title(r->first);
        } else {
            typo(g, r->first, sizeof r->first);
        }
        break;
    }
    case E_ALIAS: {
        const char *a =
            p->alias[0] ? p->alias : monikers[below(&g->r, sizeof monikers / sizeof *monikers)];
        if (below(&g->r, 2))
            set(r->aliases, sizeof r->aliases, r->first); /* the real name noted as the alias */
        set(r->first, sizeof r->first, a);
        break;
    }
    case E_SWAP: {
        char t[40];
        set(t, sizeof t, r->first);
        set(r->first, sizeof r->first, r->last);
        set(r->last, sizeof r->last, t);
        break;
    }
    case E_DOB_SWAP:
        if (r->d <= 12 && r->d != r->m) {
            int t = r->d;
            r->d = r->m;
            r->m = t;
            break;
        }
        /* not transposable: a digit instead */
        __attribute__((fallthrough));
    case E_DOB_DIGIT:
        for (int tries = 0; tries < 20; tries++) {
            char s[9];
            snprintf(s, sizeof s, "%04d%02d%02d", r->y, r->m, r->d);
            size_t pos = 2 + below(&g->r, 6);
            char c = (char)('0' + below(&g->r, 10));
            if (c == s[pos])
                continue;
            s[pos] = c;
            int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
            int m = (s[4] - '0') * 10 + (s[5] - '0'), d = (s[6] - '0') * 10 + (s[7] - '0');
            if (valid(y, m, d) && y <= 2025) {
                r->y = y;
                r->m = m;
                r->d = d;
                break;
            }
        }
        break;
    case E_DOB_YEAR:
        r->y += below(&g->r, 2) ? 1 : -1;
        if (!valid(r->y, r->m, r->d))
            r->d = 28;
        break;
    case E_DOB_WRONG:
        random_dob(g, &r->y, &r->m, &r->d);
        break;
    case E_MOVED:
        r->zip = g->zips[cdf_draw(&g->zip, &g->r)];
        break;
    case E_PHONE:
        random_phone(g, r->phone, sizeof r->phone);
        break;
    case E_NEW_LAST:
        random_last(g, r->last, sizeof r->last);
        break;
    default:
        break;
    }
}

static int
emit_record(gen *g, const person *p, int first, uint32_t *seq,
            int (*emit)(const synth_row *, void *), void *ctx)
{
    int hard = g->profile == SYNTH_HARD;
    rec r;
    memset(&r, 0, sizeof r);
    set(r.first, sizeof r.first, p->first);
    set(r.last, sizeof r.last, p->last);
    if (p->alias[0] && unit(&g->r) < 0.5)
        set(r.aliases, sizeof r.aliases, p->alias);
    r.y = p->y;
    r.m = p->m;
    r.d = p->d;
    r.gender = p->gender;
    r.zip = p->zip;
    set(r.phone, sizeof r.phone, p->phone);

    int nerr;
    if (first)
        nerr = 0; /* the original, as in FEBRL */
    else
        nerr = hard ? 1 + (int)below(&g->r, 2) : (int)below(&g->r, 2);
    for (int k = 0; k < nerr; k++)
        apply_error(g, p, &r);

    synth_row row;
    memset(&row, 0, sizeof row);
    row.person = p->id;
    snprintf(row.id, sizeof row.id, "R%07u", (unsigned)++*seq);
    int ry = 2014 + (int)below(&g->r, 12), rm = 1 + (int)below(&g->r, 12),
        rd = 1 + (int)below(&g->r, 28);
    snprintf(row.date, sizeof row.date, "%04d-%02d-%02d", ry, rm, rd);
    /* missing values */
    double miss_dob = hard ? 0.10 : 0.03;
    if (unit(&g->r) < miss_dob) {
        int age = ry - r.y - (rm * 100 + rd < r.m * 100 + r.d ? 1 : 0);
        if (hard && unit(&g->r) < 0.3)
            age += below(&g->r, 2) ? 1 : -1;
        if (age >= 0 && age < 1000)
            snprintf(row.age, sizeof row.age, "%d", age % 1000);
    } else if (below(&g->r, 5) == 0) {
        snprintf(row.dob, sizeof row.dob, "%02d/%02d/%04d", r.m, r.d, r.y);
    } else {
        snprintf(row.dob, sizeof row.dob, "%04d-%02d-%02d", r.y, r.m, r.d);
    }
    if (unit(&g->r) >= (hard ? 0.05 : 0.02))
        set(row.gender, sizeof row.gender, r.gender == 1 ? "F" : "M");
    if (unit(&g->r) >= (hard ? 0.15 : 0.08))
        snprintf(row.zip, sizeof row.zip, "%05u", r.zip);
    if (r.phone[0] && unit(&g->r) >= 0.30)
        set(row.phone, sizeof row.phone, r.phone);
    if (hard && unit(&g->r) < 0.03)
        r.last[0] = '\0';     /* gave no last name */
    if (unit(&g->r) < 0.10) { /* typed in capitals */
        for (char *c = r.first; *c; c++)
            *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
        for (char *c = r.last; *c; c++)
            *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    }
    set(row.first, sizeof row.first, r.first);
    set(row.last, sizeof row.last, r.last);
    set(row.aliases, sizeof row.aliases, r.aliases);
    return emit(&row, ctx);
}

hv_result
synth_generate(size_t n, synth_profile profile, uint64_t seed,
               int (*emit)(const synth_row *row, void *ctx), void *ctx)
{
    gen g;
    memset(&g, 0, sizeof g);
    g.r.s = seed * 0x2545F4914F6CDD1DULL + 1;
    g.profile = profile;
    g.nick = nickname_builtin();
    if (!g.nick)
        return HV_ERR_NOMEM;
    hv_result res = HV_ERR_NOMEM;
    if (cdf_init(&g.first, nickname_group_count(g.nick), 8, 1.0) ||
        cdf_init(&g.last, sizeof surnames / sizeof *surnames, 10, 1.0) ||
        cdf_init(&g.zip, 400, 10, 0.8) || cdf_init(&g.sa, sizeof syl_a / sizeof *syl_a, 3, 0.6) ||
        cdf_init(&g.sb, sizeof syl_b / sizeof *syl_b, 3, 0.6) ||
        cdf_init(&g.sc, sizeof syl_c / sizeof *syl_c, 3, 0.6))
        goto out;
    for (size_t i = 0; i < 400; i++)
        g.zips[i] = 90001 + (unsigned)(i * 7919 % 3600);
    double p_more = profile == SYNTH_HARD ? 0.6 : 0.5; /* geometric: mean 1/(1-p) records */
    uint32_t seq = 0, pid = 0;
    res = HV_OK;
    for (size_t done = 0; done < n;) {
        person p;
        make_person(&g, &p, ++pid);
        size_t k = 1;
        while (k < 10 && unit(&g.r) < p_more)
            k++;
        for (size_t i = 0; i < k && done < n; i++, done++)
            if (emit_record(&g, &p, i == 0, &seq, emit, ctx) != 0) {
                res = HV_ERR_IO;
                goto out;
            }
    }
out:
    free(g.first.c);
    free(g.last.c);
    free(g.zip.c);
    free(g.sa.c);
    free(g.sb.c);
    free(g.sc.c);
    return res;
}
