/*
 * strsim.c - Jaro, Jaro-Winkler and optimal string alignment distance
 * (see strsim.h). Written for short strings: the match flags of the second
 * string are one 64-bit word and the distance keeps three rows on the stack.
 */
#include "linkage/strsim.h"

#include <stdint.h>

static size_t
clamp_len(size_t n)
{
    return n > STRSIM_MAX ? STRSIM_MAX : n;
}

double
strsim_jaro(const char *a, size_t la, const char *b, size_t lb)
{
    la = clamp_len(la);
    lb = clamp_len(lb);
    if (la == 0 && lb == 0)
        return 1.0;
    if (la == 0 || lb == 0)
        return 0.0;
    size_t longer = la > lb ? la : lb;
    size_t win = longer / 2 > 0 ? longer / 2 - 1 : 0;
    uint64_t amatch = 0, bmatch = 0;
    size_t m = 0;
    for (size_t i = 0; i < la; i++) {
        size_t lo = i > win ? i - win : 0;
        size_t hi = i + win + 1 < lb ? i + win + 1 : lb;
        for (size_t j = lo; j < hi; j++) {
            if (!(bmatch >> j & 1) && a[i] == b[j]) {
                amatch |= (uint64_t)1 << i;
                bmatch |= (uint64_t)1 << j;
                m++;
                break;
            }
        }
    }
    if (m == 0)
        return 0.0;
    size_t t = 0, k = 0;
    for (size_t i = 0; i < la; i++) {
        if (!(amatch >> i & 1))
            continue;
        while (!(bmatch >> k & 1))
            k++;
        if (a[i] != b[k])
            t++;
        k++;
    }
    double md = (double)m;
    return (md / (double)la + md / (double)lb + (md - (double)t / 2.0) / md) / 3.0;
}

double
strsim_jaro_winkler(const char *a, size_t la, const char *b, size_t lb)
{
    double j = strsim_jaro(a, la, b, lb);
    if (j <= 0.7)
        return j;
    size_t l = 0;
    while (l < 4 && l < la && l < lb && a[l] == b[l])
        l++;
    return j + (double)l * 0.1 * (1.0 - j);
}

int
strsim_osa(const char *a, size_t la, const char *b, size_t lb)
{
    la = clamp_len(la);
    lb = clamp_len(lb);
    int r0[STRSIM_MAX + 1], r1[STRSIM_MAX + 1], r2[STRSIM_MAX + 1];
    int *pp = r0, *prev = r1, *cur = r2; /* rows i-2, i-1, i */
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            cur[j] = v;
        }
        int *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}
