/* suppress.c - small-cell suppression of report tables (see suppress.h). */
#include "report/suppress.h"

#include <stdlib.h>
#include <string.h>

typedef struct grid {
    int nr, nc;       /* rows (the total row last, if any) and columns */
    int has_total;    /* the last row is the total row */
    json_t **row;     /* nr row objects */
    const char **key; /* nc column keys */
    int *is_count;    /* nc */
    double *v;        /* nr * nc; NaN-free: missing cells are 0 */
    char *s;          /* nr * nc: suppressed */
} grid;

#define V(g, r, c) ((g)->v[(r) * (g)->nc + (c)])
#define S(g, r, c) ((g)->s[(r) * (g)->nc + (c)])

static int
col_index(const grid *g, const char *key)
{
    for (int c = 0; key && c < g->nc; c++)
        if (strcmp(g->key[c], key) == 0)
            return c;
    return -1;
}

/* Marks one more member of the equation MEMBERS (N cells as r * nc + c)
 * whose only suppressed member would otherwise be given away. LAST is the
 * sum cell, taken only when nothing else is left. Returns 1 if it marked. */
static int
complement(grid *g, const int *members, int n, int last)
{
    int count = 0;
    for (int i = 0; i < n; i++)
        count += g->s[members[i]];
    if (count != 1)
        return 0;
    int best = -1;
    for (int pass = 0; pass < 2 && best < 0; pass++)
        for (int i = 0; i < n; i++) {
            int m = members[i];
            if (g->s[m] || m == last)
                continue;
            if (pass == 0 && g->v[m] <= 0)
                continue; /* first look for a cell that holds someone */
            if (best < 0 || g->v[m] < g->v[best])
                best = m;
        }
    if (best < 0 && last >= 0 && !g->s[last])
        best = last;
    if (best < 0)
        return 0;
    g->s[best] = 1;
    return 1;
}

static void
run_equations(grid *g, json_t *table)
{
    int *members = malloc(sizeof(int) * (size_t)(g->nr + g->nc + 1));
    if (!members)
        return;
    int gt =
        col_index(g, json_string_value(json_object_get(json_object_get(table, "grid"), "total")));
    int changed = 1;
    while (changed) {
        changed = 0;
        /* each additive count column adds up to its total row */
        for (int c = 0; g->has_total && c < g->nc; c++) {
            if (!g->is_count[c] || g->is_count[c] == 2)
                continue;
            int n = 0;
            for (int r = 0; r < g->nr; r++)
                members[n++] = r * g->nc + c;
            changed |= complement(g, members, n, (g->nr - 1) * g->nc + c);
        }
        /* in a grid, each row adds up to its total column */
        for (int r = 0; gt >= 0 && r < g->nr; r++) {
            int n = 0;
            for (int c = 0; c < g->nc; c++)
                if (g->is_count[c] == 1 || c == gt)
                    members[n++] = r * g->nc + c;
            changed |= complement(g, members, n, r * g->nc + gt);
        }
    }
    free(members);
}

static void
run_derived(grid *g, json_t *table, int threshold)
{
    json_t *cols = json_object_get(table, "columns");
    for (int c = 0; c < g->nc; c++) {
        if (g->is_count[c])
            continue;
        json_t *col = json_array_get(cols, (size_t)c);
        int of = col_index(g, json_string_value(json_object_get(col, "of")));
        json_t *support = json_object_get(col, "support");
        json_t *values = json_object_get(col, "values");
        json_t *depends = json_object_get(col, "depends");
        for (int r = 0; r < g->nr; r++) {
            json_t *cell = json_object_get(g->row[r], g->key[c]);
            if (!cell || json_is_null(cell))
                continue;
            int hide = 0;
            if (of >= 0)
                hide = S(g, r, of) || (g->has_total && S(g, g->nr - 1, of));
            double n = 0, hidden = 0;
            size_t i;
            json_t *k;
            json_array_foreach(support, i, k)
            {
                int sc = col_index(g, json_string_value(k));
                if (sc < 0)
                    continue;
                n += V(g, r, sc);
                if (S(g, r, sc))
                    hidden += V(g, r, sc);
            }
            /* a share's denominator: enough of them, and what it gives away
             * of its hidden members (their sum) is nobody or enough people */
            if (json_is_array(support))
                hide |= n < threshold || (hidden > 0 && hidden < threshold);
            n = 0;
            json_array_foreach(values, i, k)
            {
                int sc = col_index(g, json_string_value(k));
                if (sc >= 0)
                    n += V(g, r, sc);
            }
            /* a median or an average: over enough values */
            if (json_is_array(values))
                hide |= n < threshold;
            json_array_foreach(depends, i, k)
            {
                int sc = col_index(g, json_string_value(k));
                if (sc >= 0)
                    hide |= S(g, r, sc);
            }
            S(g, r, c) = (char)hide;
        }
    }
}

int
suppress_table(json_t *table, int threshold)
{
    json_t *cols = json_object_get(table, "columns"), *rows = json_object_get(table, "rows");
    json_t *total = json_object_get(table, "total");
    if (!json_is_array(cols) || !json_is_array(rows))
        return 0;
    grid g = {.nc = (int)json_array_size(cols), .has_total = json_is_object(total)};
    g.nr = (int)json_array_size(rows) + g.has_total;
    if (g.nc == 0 || g.nr == 0)
        return 0;
    g.row = calloc((size_t)g.nr, sizeof *g.row);
    g.key = calloc((size_t)g.nc, sizeof *g.key);
    g.is_count = calloc((size_t)g.nc, sizeof *g.is_count);
    g.v = calloc((size_t)g.nr * (size_t)g.nc, sizeof *g.v);
    g.s = calloc((size_t)g.nr * (size_t)g.nc, 1);
    int hidden = 0;
    if (!g.row || !g.key || !g.is_count || !g.v || !g.s)
        goto done;
    for (int r = 0; r < g.nr; r++)
        g.row[r] = (g.has_total && r == g.nr - 1) ? total : json_array_get(rows, (size_t)r);
    for (int c = 0; c < g.nc; c++) {
        json_t *col = json_array_get(cols, (size_t)c);
        g.key[c] = json_string_value(json_object_get(col, "key"));
        if (!g.key[c])
            g.key[c] = "";
        const char *type = json_string_value(json_object_get(col, "type"));
        if (type && strcmp(type, "count") == 0)
            g.is_count[c] = json_is_false(json_object_get(col, "additive")) ? 2 : 1;
        for (int r = 0; r < g.nr; r++) {
            json_t *cell = json_object_get(g.row[r], g.key[c]);
            V(&g, r, c) = json_is_number(cell) ? json_number_value(cell) : 0;
            /* primary: 1 .. threshold - 1 */
            if (g.is_count[c] && V(&g, r, c) > 0 && V(&g, r, c) < threshold)
                S(&g, r, c) = 1;
        }
    }
    int gt =
        col_index(&g, json_string_value(json_object_get(json_object_get(table, "grid"), "total")));
    if (gt >= 0 && g.is_count[gt] == 1)
        g.is_count[gt] = 3; /* the grid's total column: counted in rows, not as a member */
    run_equations(&g, table);
    run_derived(&g, table, threshold);
    for (int r = 0; r < g.nr; r++) {
        json_t *list = NULL;
        for (int c = 0; c < g.nc; c++) {
            if (!S(&g, r, c))
                continue;
            json_object_set_new(g.row[r], g.key[c], json_null());
            if (!list)
                list = json_array();
            json_array_append_new(list, json_string(g.key[c]));
            hidden++;
        }
        if (list)
            json_object_set_new(g.row[r], "suppressed", list);
    }
done:
    free(g.row);
    free(g.key);
    free(g.is_count);
    free(g.v);
    free(g.s);
    return hidden;
}

void
suppress_figure(json_t *figure, int threshold)
{
    json_t *v = json_object_get(figure, "value");
    if (!json_is_number(v))
        return;
    const char *type = json_string_value(json_object_get(figure, "type"));
    double n = json_number_value(v);
    int hide = 0;
    if (type && strcmp(type, "count") == 0)
        hide = n > 0 && n < threshold;
    json_t *support = json_object_get(figure, "support");
    if (json_is_number(support))
        hide |= json_number_value(support) < threshold;
    if (hide) {
        json_object_set_new(figure, "value", json_null());
        json_object_set_new(figure, "suppressed", json_true());
    }
    json_object_del(figure, "support");
}
