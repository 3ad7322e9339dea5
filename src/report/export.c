/*
 * export.c - report tables as CSV and XLSX files (see export.h and
 * docs/metrics.md, "Exports").
 *
 * Both writers read a table through the same small view (table_open,
 * cell_get): columns with their types, rows as JSON objects, the total row,
 * the notes. A cell is empty, suppressed, a number or a text; the writers
 * only decide how each kind is spelled. Cell contents never reach an error
 * message or a log: errors name the table id, the row number and the column
 * key.
 */
#include "report/export.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "core/clock.h"

/* Excel's limits: a cell holds at most this many characters, a sheet name
 * at most 31. */
#define CELL_CHARS_MAX  32767
#define SHEET_NAME_MAX  31
#define SHEET_NAME_SIZE (SHEET_NAME_MAX * 4 + 1)
#define COLUMNS_MAX     1000

/* Column widths of the table sheets, in characters. */
#define WIDTH_MIN 8
#define WIDTH_MAX 60

typedef enum col_type {
    COL_TEXT,
    COL_COUNT,
    COL_NUMBER,
    COL_PERCENT,
    COL_MINUTES,
    COL_HOURS,
    COL_DATE,
} col_type;

static const struct {
    const char *name;
    col_type type;
} col_types[] = {
    {"text", COL_TEXT},       {"count", COL_COUNT},     {"number", COL_NUMBER},
    {"percent", COL_PERCENT}, {"minutes", COL_MINUTES}, {"hours", COL_HOURS},
    {"date", COL_DATE},
};

typedef struct column {
    const char *key;
    const char *label;
    col_type type;
} column;

/* A table as the writers see it; borrowed from the JSON, only COLS is ours. */
typedef struct table_view {
    const char *id;
    const char *title;
    column *cols;
    size_t ncols;
    const json_t *rows;  /* array, or NULL for none */
    const json_t *total; /* object or NULL */
    const json_t *notes; /* array or NULL */
} table_view;

typedef enum cell_kind { CELL_EMPTY, CELL_SUPPRESSED, CELL_NUMBER, CELL_TEXT } cell_kind;

typedef struct cell {
    cell_kind kind;
    double num;
    int is_int; /* NUM came from a JSON integer: INT holds it exactly */
    json_int_t i;
    const char *text;
} cell;

/* ---- reading a table --------------------------------------------------- */

static const char *
json_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
table_close(table_view *t)
{
    free(t->cols);
    t->cols = NULL;
}

/* Checks the shape of TABLE (the INDEX-th of its document) and fills T;
 * table_close() frees what it holds. On failure T holds nothing. */
static hv_result
table_open(const json_t *table, size_t index, table_view *t, hv_err *e)
{
    hv_result r;
    const size_t ntypes = sizeof col_types / sizeof col_types[0];
    memset(t, 0, sizeof *t);
    if (!json_is_object(table))
        return hv_fail(e, HV_ERR_INVALID, "tables", "table %zu is not an object", index + 1);
    t->id = json_str(table, "id");
    if (!t->id)
        return hv_fail(e, HV_ERR_INVALID, "id", "table %zu has no \"id\"", index + 1);
    t->title = json_str(table, "title");
    if (!t->title)
        t->title = t->id;

    const json_t *cols = json_object_get(table, "columns");
    t->ncols = json_array_size(cols);
    if (t->ncols == 0)
        return hv_fail(e, HV_ERR_INVALID, "columns", "table \"%s\" has no \"columns\"", t->id);
    if (t->ncols > COLUMNS_MAX)
        return hv_fail(e, HV_ERR_TOOBIG, "columns", "table \"%s\" has more than %d columns", t->id,
                       COLUMNS_MAX);
    t->cols = calloc(t->ncols, sizeof *t->cols);
    if (!t->cols)
        return hv_fail(e, HV_ERR_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < t->ncols; i++) {
        const json_t *c = json_array_get(cols, i);
        column *col = &t->cols[i];
        const char *type = json_str(c, "type");
        size_t k = 0;
        while (type && k < ntypes && strcmp(type, col_types[k].name) != 0)
            k++;
        col->key = json_str(c, "key");
        col->label = json_str(c, "label");
        if (!col->key) {
            r = hv_fail(e, HV_ERR_INVALID, "columns", "column %zu of table \"%s\" has no \"key\"",
                        i + 1, t->id);
            goto err;
        }
        if (k == ntypes) {
            r = hv_fail(e, HV_ERR_INVALID, "type", "column %zu of table \"%s\" has an unknown type",
                        i + 1, t->id);
            goto err;
        }
        if (!col->label)
            col->label = col->key;
        col->type = col_types[k].type;
    }

    t->rows = json_object_get(table, "rows");
    if (json_is_null(t->rows))
        t->rows = NULL; /* jansson's array functions take NULL as empty */
    const json_t *total = json_object_get(table, "total");
    const json_t *notes = json_object_get(table, "notes");
    const char *bad = t->rows && !json_is_array(t->rows)                        ? "rows"
                      : total && !json_is_null(total) && !json_is_object(total) ? "total"
                      : notes && !json_is_null(notes) && !json_is_array(notes)  ? "notes"
                                                                                : NULL;
    if (bad) {
        r = hv_fail(e, HV_ERR_INVALID, bad, "\"%s\" of table \"%s\" has the wrong type", bad,
                    t->id);
        goto err;
    }
    t->total = json_is_object(total) ? total : NULL;
    t->notes = json_is_array(notes) ? notes : NULL;
    for (size_t i = 0; i < json_array_size(t->rows); i++) {
        if (!json_is_object(json_array_get(t->rows, i))) {
            r = hv_fail(e, HV_ERR_INVALID, "rows", "row %zu of table \"%s\" is not an object",
                        i + 1, t->id);
            goto err;
        }
    }
    return HV_OK;
err:
    table_close(t);
    return r;
}

static int
row_suppresses(const json_t *row, const char *key)
{
    const json_t *s = json_object_get(row, "suppressed");
    size_t i;
    const json_t *v;
    json_array_foreach(s, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), key) == 0)
            return 1;
    }
    return 0;
}

/* Cell COL of ROW (the ROWNO-th of table T, 0 for the total). A key listed
 * in "suppressed" is suppressed whatever its value, so a cell that should
 * have been nulled never leaks. */
static hv_result
cell_get(const table_view *t, const json_t *row, size_t rowno, size_t col, cell *c, hv_err *e)
{
    const char *key = t->cols[col].key;
    memset(c, 0, sizeof *c);
    if (row_suppresses(row, key)) {
        c->kind = CELL_SUPPRESSED;
        return HV_OK;
    }
    const json_t *v = json_object_get(row, key);
    if (!v || json_is_null(v)) {
        c->kind = CELL_EMPTY;
    } else if (json_is_integer(v)) {
        c->kind = CELL_NUMBER;
        c->is_int = 1;
        c->i = json_integer_value(v);
        c->num = (double)c->i;
    } else if (json_is_real(v)) {
        c->kind = CELL_NUMBER;
        c->num = json_real_value(v);
    } else if (json_is_string(v)) {
        c->kind = CELL_TEXT;
        c->text = json_string_value(v);
    } else {
        if (rowno)
            return hv_fail(e, HV_ERR_INVALID, key,
                           "cell \"%s\" of row %zu of table \"%s\" is not a string, a number or "
                           "null",
                           key, rowno, t->id);
        return hv_fail(e, HV_ERR_INVALID, key,
                       "cell \"%s\" of the total of table \"%s\" is not a string, a number or null",
                       key, t->id);
    }
    return HV_OK;
}

/* ---- spelling numbers ---------------------------------------------------- */

/* "-0" and "-0.0" read as a negative zero in some tools: drop the sign. */
static void
drop_negative_zero(char *s)
{
    const char *p = s + 1;
    if (s[0] != '-')
        return;
    while (*p == '0' || *p == '.')
        p++;
    if (*p == '\0' || *p == '%')
        memmove(s, s + 1, strlen(s));
}

/* The text of a number cell of a column of type TYPE (docs/metrics.md,
 * "Exports"): counts whole, percents as "25.0%", the rest with up to two
 * decimals. OUT holds at least 400 bytes (a double has at most 309 digits). */
static void
number_text(const cell *c, col_type type, char *out, size_t outsz)
{
    if (type == COL_COUNT && c->is_int) {
        snprintf(out, outsz, "%" JSON_INTEGER_FORMAT, c->i);
    } else if (type == COL_COUNT) {
        snprintf(out, outsz, "%.0f", round(c->num));
    } else if (type == COL_PERCENT && isfinite(c->num * 100.0)) {
        snprintf(out, outsz, "%.1f%%", c->num * 100.0);
    } else if (c->is_int) {
        snprintf(out, outsz, "%" JSON_INTEGER_FORMAT, c->i);
    } else {
        snprintf(out, outsz, "%.2f", c->num);
        char *dot = strchr(out, '.');
        if (dot) {
            char *end = out + strlen(out);
            while (end > dot + 1 && end[-1] == '0')
                *--end = '\0';
            if (end == dot + 1)
                *dot = '\0';
        }
    }
    drop_negative_zero(out);
}

/* ---- CSV ----------------------------------------------------------------- */

/* A spreadsheet runs a cell starting with one of these as a formula. */
static int
formula_like(const char *s)
{
    return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

/* Appends S as one CSV field: the formula guard, then quotes if needed. */
static hv_result
csv_text(buf *out, const char *s)
{
    hv_result r = HV_OK;
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        r = buf_add(out, "\"", 1);
    if (r == HV_OK && formula_like(s))
        r = buf_add(out, "'", 1);
    for (const char *p = s; r == HV_OK && *p;) {
        const char *q = quote ? strchr(p, '"') : NULL;
        size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
        r = buf_add(out, p, n);
        if (r == HV_OK && q)
            r = buf_add(out, "\"", 1); /* "" inside a quoted field */
        p += n;
    }
    if (r == HV_OK && quote)
        r = buf_add(out, "\"", 1);
    return r;
}

static hv_result
csv_cell(buf *out, const cell *c, col_type type)
{
    char num[400];
    switch (c->kind) {
    case CELL_EMPTY:
        return HV_OK;
    case CELL_SUPPRESSED:
        return buf_add(out, "*", 1);
    case CELL_NUMBER:
        number_text(c, type, num, sizeof num);
        return buf_adds(out, num); /* never guarded: a number is not a formula */
    case CELL_TEXT:
        return csv_text(out, c->text);
    }
    return HV_OK;
}

static hv_result
too_big(hv_err *e, hv_result r, const buf *out)
{
    if (r == HV_ERR_TOOBIG)
        return hv_fail(e, r, NULL, "the export is larger than %zu bytes", out->max);
    return hv_fail(e, r, NULL, "out of memory");
}

static hv_result
csv_row(const table_view *t, const json_t *row, size_t rowno, buf *out, hv_err *e)
{
    hv_result r = HV_OK;
    cell c;
    for (size_t i = 0; i < t->ncols; i++) {
        if ((r = cell_get(t, row, rowno, i, &c, e)) != HV_OK)
            return r;
        if (i > 0 && (r = buf_add(out, ",", 1)) != HV_OK)
            return too_big(e, r, out);
        if ((r = csv_cell(out, &c, t->cols[i].type)) != HV_OK)
            return too_big(e, r, out);
    }
    if ((r = buf_add(out, "\r\n", 2)) != HV_OK)
        return too_big(e, r, out);
    return HV_OK;
}

static hv_result
csv_table(const table_view *t, buf *out, hv_err *e)
{
    hv_result r = HV_OK;
    for (size_t i = 0; i < t->ncols && r == HV_OK; i++) {
        if (i > 0)
            r = buf_add(out, ",", 1);
        if (r == HV_OK)
            r = csv_text(out, t->cols[i].label);
    }
    if (r == HV_OK)
        r = buf_add(out, "\r\n", 2);
    if (r != HV_OK)
        return too_big(e, r, out);
    for (size_t i = 0; i < json_array_size(t->rows); i++)
        if ((r = csv_row(t, json_array_get(t->rows, i), i + 1, out, e)) != HV_OK)
            return r;
    if (t->total)
        return csv_row(t, t->total, 0, out, e);
    return HV_OK;
}

hv_result
export_csv_table(const json_t *table, buf *out, hv_err *e)
{
    table_view t;
    size_t len0 = out->len;
    hv_result r = table_open(table, 0, &t, e);
    if (r != HV_OK)
        return r;
    r = csv_table(&t, out, e);
    table_close(&t);
    if (r != HV_OK) {
        out->len = len0; /* no half table */
        if (out->data)
            out->data[len0] = '\0';
    }
    return r;
}

/* The row's name in the long format: its first-column cell when the first
 * column labels the rows (text or date, with other columns beside it),
 * else its number, or "Total". */
static int
has_label_column(const table_view *t)
{
    return t->ncols > 1 && (t->cols[0].type == COL_TEXT || t->cols[0].type == COL_DATE);
}

static hv_result
csv_long_row(const table_view *t, const json_t *row, size_t rowno, buf *out, hv_err *e)
{
    hv_result r;
    cell label;
    size_t first = 0;
    char name[32];
    if (has_label_column(t)) {
        if ((r = cell_get(t, row, rowno, 0, &label, e)) != HV_OK)
            return r;
        first = 1;
    } else {
        label.kind = CELL_TEXT;
        if (rowno)
            snprintf(name, sizeof name, "%zu", rowno);
        else
            snprintf(name, sizeof name, "Total");
        label.text = name;
    }
    for (size_t i = first; i < t->ncols; i++) {
        cell c;
        if ((r = cell_get(t, row, rowno, i, &c, e)) != HV_OK)
            return r;
        r = csv_text(out, t->id);
        if (r == HV_OK)
            r = buf_add(out, ",", 1);
        if (r == HV_OK)
            r = csv_text(out, t->title);
        if (r == HV_OK)
            r = buf_add(out, ",", 1);
        if (r == HV_OK)
            r = csv_cell(out, &label, first ? t->cols[0].type : COL_TEXT);
        if (r == HV_OK)
            r = buf_add(out, ",", 1);
        if (r == HV_OK)
            r = csv_text(out, t->cols[i].label);
        if (r == HV_OK)
            r = buf_add(out, ",", 1);
        if (r == HV_OK)
            r = csv_cell(out, &c, t->cols[i].type);
        if (r == HV_OK)
            r = buf_add(out, "\r\n", 2);
        if (r != HV_OK)
            return too_big(e, r, out);
    }
    return HV_OK;
}

/* The "tables" array of DOC; *TABLES is NULL when there are none (jansson's
 * array functions take NULL as empty). */
static hv_result
doc_tables(const json_t *doc, const json_t **tables, hv_err *e)
{
    if (!json_is_object(doc))
        return hv_fail(e, HV_ERR_INVALID, NULL, "a report document must be an object");
    *tables = json_object_get(doc, "tables");
    if (json_is_null(*tables))
        *tables = NULL;
    if (*tables && !json_is_array(*tables))
        return hv_fail(e, HV_ERR_INVALID, "tables", "\"tables\" must be an array");
    return HV_OK;
}

hv_result
export_csv_doc(const json_t *doc, buf *out, hv_err *e)
{
    size_t len0 = out->len;
    const json_t *tables = NULL;
    hv_result r = doc_tables(doc, &tables, e);
    if (r != HV_OK)
        return r;
    if ((r = buf_adds(out, "table_id,table,row,column,value\r\n")) != HV_OK)
        return too_big(e, r, out);
    for (size_t i = 0; i < json_array_size(tables) && r == HV_OK; i++) {
        table_view t;
        if ((r = table_open(json_array_get(tables, i), i, &t, e)) != HV_OK)
            break;
        const json_t *row;
        size_t n;
        json_array_foreach(t.rows, n, row)
        {
            if ((r = csv_long_row(&t, row, n + 1, out, e)) != HV_OK)
                break;
        }
        if (r == HV_OK && t.total)
            r = csv_long_row(&t, t.total, 0, out, e);
        table_close(&t);
    }
    if (r != HV_OK) {
        out->len = len0;
        if (out->data)
            out->data[len0] = '\0';
    }
    return r;
}

/* ---- XLSX ---------------------------------------------------------------- */

/* Cell formats of a table sheet: one per kind of cell, plain and bold (the
 * total row). */
enum { FMT_TEXT, FMT_COUNT, FMT_NUMBER, FMT_PERCENT, FMT_DATE, FMT_STAR, FMT__MAX };

typedef struct xlsx {
    lxw_workbook *wb;
    lxw_format *cell[FMT__MAX][2];
    lxw_format *header;
    lxw_format *title;
    lxw_format *note;
    lxw_format *bold;
    lxw_format *link;
    char (*names)[SHEET_NAME_SIZE]; /* sheet names, [0] is the summary */
    size_t nnames;
    const char *star;      /* what "*" means */
    const char *star_note; /* the same as a note under a table: "* suppressed: ..." */
} xlsx;

static lxw_format *
new_format(lxw_workbook *wb, int bold, const char *num_format, int right)
{
    lxw_format *f = workbook_add_format(wb);
    if (!f)
        return NULL;
    if (bold)
        format_set_bold(f);
    if (num_format)
        format_set_num_format(f, num_format);
    if (right)
        format_set_align(f, LXW_ALIGN_RIGHT);
    return f;
}

static hv_result
xlsx_formats(xlsx *x)
{
    for (int b = 0; b < 2; b++) {
        x->cell[FMT_TEXT][b] = new_format(x->wb, b, NULL, 0);
        x->cell[FMT_COUNT][b] = new_format(x->wb, b, "#,##0", 0);
        x->cell[FMT_NUMBER][b] = new_format(x->wb, b, NULL, 0);
        x->cell[FMT_PERCENT][b] = new_format(x->wb, b, "0.0%", 0);
        x->cell[FMT_DATE][b] = new_format(x->wb, b, "yyyy-mm-dd", 0);
        x->cell[FMT_STAR][b] = new_format(x->wb, b, NULL, 1);
        for (int k = 0; k < FMT__MAX; k++)
            if (!x->cell[k][b])
                return HV_ERR_NOMEM;
    }
    x->header = new_format(x->wb, 1, NULL, 0);
    x->title = new_format(x->wb, 1, NULL, 0);
    x->note = workbook_add_format(x->wb);
    x->bold = new_format(x->wb, 1, NULL, 0);
    x->link = workbook_get_default_url_format(x->wb);
    if (!x->header || !x->title || !x->note || !x->bold)
        return HV_ERR_NOMEM;
    format_set_bottom(x->header, LXW_BORDER_THIN);
    format_set_font_size(x->title, 14);
    format_set_italic(x->note);
    return HV_OK;
}

/* Bytes of the UTF-8 sequence starting with byte C (jansson strings are
 * valid UTF-8). */
static size_t
utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* Characters of S as Excel counts them (UTF-16 units). */
static size_t
excel_chars(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p += utf8_len((unsigned char)*p))
        n += utf8_len((unsigned char)*p) == 4 ? 2 : 1;
    return n;
}

/* Copies S into OUT cut to at most MAX Excel characters, whole characters
 * only. Returns OUT. */
static char *
cut_chars(const char *s, size_t max, char *out, size_t outsz)
{
    size_t n = 0, used = 0;
    for (const char *p = s; *p;) {
        size_t l = utf8_len((unsigned char)*p);
        size_t w = l == 4 ? 2 : 1;
        if (n + w > max || used + l >= outsz)
            break;
        memcpy(out + used, p, l);
        used += l;
        n += w;
        p += l;
    }
    out[used] = '\0';
    return out;
}

/* Trims spaces and apostrophes at both ends (Excel refuses a sheet name
 * that starts or ends with an apostrophe). */
static void
trim_name(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\''))
        s[--n] = '\0';
    while (s[i] == ' ' || s[i] == '\'')
        i++;
    memmove(s, s + i, n - i + 1);
}

static int
name_taken(const xlsx *x, const char *name)
{
    if (strcasecmp(name, "History") == 0) /* reserved by Excel */
        return 1;
    for (size_t i = 0; i < x->nnames; i++)
        if (strcasecmp(x->names[i], name) == 0)
            return 1;
    return 0;
}

/* A valid, unique sheet name for a table titled TITLE, into x->names. Excel
 * compares names without case; strcasecmp folds ASCII only. */
static void
sheet_name(xlsx *x, const char *title, size_t index)
{
    char clean[SHEET_NAME_SIZE * 2], base[SHEET_NAME_SIZE], *name = x->names[x->nnames];
    size_t used = 0;
    int space = 0;
    for (const char *p = title; *p && used + 4 < sizeof clean;) {
        size_t l = utf8_len((unsigned char)*p);
        char c = *p;
        if ((unsigned char)c < 0x20 || c == ' ') {
            space = used > 0;
            p++;
            continue;
        }
        if (space)
            clean[used++] = ' ';
        space = 0;
        if (c == '[' || c == ']')
            clean[used++] = c == '[' ? '(' : ')';
        else if (c == ':' || c == '/' || c == '\\')
            clean[used++] = '-';
        else if (c == '*' || c == '?')
            space = used > 0;
        else {
            memcpy(clean + used, p, l);
            used += l;
        }
        p += l;
    }
    clean[used] = '\0';
    cut_chars(clean, SHEET_NAME_MAX, base, sizeof base);
    trim_name(base);
    if (base[0] == '\0')
        snprintf(base, sizeof base, "Table %zu", index + 1);
    snprintf(name, SHEET_NAME_SIZE, "%s", base);
    for (unsigned k = 2; name_taken(x, name); k++) {
        char suffix[16], cut[SHEET_NAME_SIZE];
        snprintf(suffix, sizeof suffix, " (%u)", k);
        cut_chars(base, SHEET_NAME_MAX - strlen(suffix), cut, sizeof cut);
        trim_name(cut);
        /* fits: at most SHEET_NAME_MAX characters of at most 4 bytes */
        if ((size_t)snprintf(name, SHEET_NAME_SIZE, "%s%s", cut, suffix) >= SHEET_NAME_SIZE)
            name[0] = '\0';
    }
    x->nnames++;
}

static hv_result
lxw_fail(hv_err *e, lxw_error err, const char *what, const char *id)
{
    if (err == LXW_ERROR_MEMORY_MALLOC_FAILED)
        return hv_fail(e, HV_ERR_NOMEM, NULL, "out of memory");
    if (id)
        return hv_fail(e, HV_ERR_IO, NULL, "could not write %s of table \"%s\": %s", what, id,
                       lxw_strerror(err));
    return hv_fail(e, HV_ERR_IO, NULL, "could not write %s: %s", what, lxw_strerror(err));
}

/* Writes text S, cut to what a cell holds. */
static lxw_error
put_text(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *f)
{
    if (strlen(s) <= CELL_CHARS_MAX || excel_chars(s) <= CELL_CHARS_MAX)
        return worksheet_write_string(ws, row, col, s, f);
    size_t sz = CELL_CHARS_MAX * 4 + 1;
    char *cut = malloc(sz);
    if (!cut)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error err = worksheet_write_string(ws, row, col, cut_chars(s, CELL_CHARS_MAX, cut, sz), f);
    free(cut);
    return err;
}

/* Parses "YYYY-MM-DD" into D; 0 if S is not a valid date. */
static int
parse_date(const char *s, lxw_datetime *d)
{
    if (!clock_valid_date(s))
        return 0;
    memset(d, 0, sizeof *d);
    d->year = (int)strtol(s, NULL, 10);
    d->month = (int)strtol(s + 5, NULL, 10);
    d->day = (int)strtol(s + 8, NULL, 10);
    return d->year >= 1900; /* Excel has no earlier dates */
}

/* V rounded to 1/SCALE, or V itself where that would overflow. */
static double
rounded(double v, double scale)
{
    double r = round(v * scale) / scale;
    return isfinite(r) ? r : v;
}

/* Writes one cell; *WIDTH grows to fit what it shows. */
static lxw_error
xlsx_cell(xlsx *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const cell *c, col_type type,
          int bold, size_t *width)
{
    char num[400];
    lxw_datetime d;
    switch (c->kind) {
    case CELL_EMPTY:
        return bold ? worksheet_write_blank(ws, row, col, x->cell[FMT_TEXT][1]) : LXW_NO_ERROR;
    case CELL_SUPPRESSED:
        return worksheet_write_string(ws, row, col, "*", x->cell[FMT_STAR][bold]);
    case CELL_NUMBER:
        number_text(c, type, num, sizeof num);
        if (strlen(num) > *width)
            *width = strlen(num);
        switch (type) {
        case COL_COUNT:
            return worksheet_write_number(ws, row, col, c->is_int ? (double)c->i : round(c->num),
                                          x->cell[FMT_COUNT][bold]);
        case COL_PERCENT:
            return worksheet_write_number(ws, row, col, rounded(c->num, 1000.0),
                                          x->cell[FMT_PERCENT][bold]);
        default:
            return worksheet_write_number(ws, row, col, c->is_int ? c->num : rounded(c->num, 100.0),
                                          x->cell[FMT_NUMBER][bold]);
        }
    case CELL_TEXT: {
        size_t w = excel_chars(c->text);
        if (w > *width)
            *width = w;
        if (type == COL_DATE && parse_date(c->text, &d))
            return worksheet_write_datetime(ws, row, col, &d, x->cell[FMT_DATE][bold]);
        return put_text(ws, row, col, c->text, x->cell[FMT_TEXT][bold]);
    }
    }
    return LXW_NO_ERROR;
}

static hv_result
xlsx_row(xlsx *x, lxw_worksheet *ws, const table_view *t, const json_t *row, size_t rowno,
         lxw_row_t at, size_t *widths, int *suppressed, hv_err *e)
{
    hv_result r;
    for (size_t i = 0; i < t->ncols; i++) {
        cell c;
        if ((r = cell_get(t, row, rowno, i, &c, e)) != HV_OK)
            return r;
        if (c.kind == CELL_SUPPRESSED)
            *suppressed = 1;
        lxw_error err =
            xlsx_cell(x, ws, at, (lxw_col_t)i, &c, t->cols[i].type, rowno == 0, &widths[i]);
        if (err != LXW_NO_ERROR)
            return lxw_fail(e, err, "a cell", t->id);
    }
    return HV_OK;
}

/* One sheet for table T: the header, the rows, the total, then the notes. */
static hv_result
xlsx_table(xlsx *x, const table_view *t, const char *name, hv_err *e)
{
    hv_result r = HV_OK;
    lxw_error err;
    size_t nrows = json_array_size(t->rows);
    size_t nnotes = t->notes ? json_array_size(t->notes) : 0;
    if (t->ncols > LXW_COL_MAX || nrows + nnotes + 4 > LXW_ROW_MAX)
        return hv_fail(e, HV_ERR_TOOBIG, NULL, "table \"%s\" is larger than a worksheet", t->id);
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);
    if (!ws)
        return hv_fail(e, HV_ERR_IO, NULL, "could not add the sheet of table \"%s\"", t->id);
    size_t *widths = calloc(t->ncols, sizeof *widths);
    if (!widths)
        return hv_fail(e, HV_ERR_NOMEM, NULL, "out of memory");

    for (size_t i = 0; i < t->ncols; i++) {
        widths[i] = excel_chars(t->cols[i].label);
        if ((err = put_text(ws, 0, (lxw_col_t)i, t->cols[i].label, x->header)) != LXW_NO_ERROR) {
            r = lxw_fail(e, err, "the header", t->id);
            goto done;
        }
    }
    worksheet_freeze_panes(ws, 1, 0);

    lxw_row_t at = 1;
    int suppressed = 0;
    for (size_t i = 0; i < nrows; i++, at++)
        if ((r = xlsx_row(x, ws, t, json_array_get(t->rows, i), i + 1, at, widths, &suppressed,
                          e)) != HV_OK)
            goto done;
    if (t->total && (r = xlsx_row(x, ws, t, t->total, 0, at++, widths, &suppressed, e)) != HV_OK)
        goto done;

    at++; /* a blank row, then the notes: long text overflows to the right */
    for (size_t i = 0; i < nnotes; i++) {
        const json_t *n = json_array_get(t->notes, i);
        if (json_is_string(n) &&
            (err = put_text(ws, at++, 0, json_string_value(n), x->note)) != LXW_NO_ERROR) {
            r = lxw_fail(e, err, "a note", t->id);
            goto done;
        }
    }
    if (suppressed && (err = put_text(ws, at, 0, x->star_note, x->note)) != LXW_NO_ERROR) {
        r = lxw_fail(e, err, "a note", t->id);
        goto done;
    }

    for (size_t i = 0; i < t->ncols; i++) {
        size_t w = widths[i] + 2;
        w = w < WIDTH_MIN ? WIDTH_MIN : w > WIDTH_MAX ? WIDTH_MAX : w;
        if ((err = worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, (double)w, NULL)) !=
            LXW_NO_ERROR) {
            r = lxw_fail(e, err, "the column widths", t->id);
            goto done;
        }
    }
done:
    free(widths);
    return r;
}

/* The subtitle: the document's own, or one made of its period and filter
 * ("2025-01-01 to 2025-12-31; agency: 3"). */
static hv_result
doc_subtitle(const json_t *doc, buf *b)
{
    const char *s = json_str(doc, "subtitle");
    if (s)
        return buf_adds(b, s);
    hv_result r = HV_OK;
    const json_t *period = json_object_get(doc, "period");
    const char *from = json_str(period, "from"), *to = json_str(period, "to");
    if (from && to)
        r = buf_addf(b, "%s to %s", from, to);
    const json_t *filter = json_object_get(doc, "filter");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)filter, key, v)
    {
        if (r != HV_OK)
            break;
        char num[400];
        const char *text = json_is_string(v) ? json_string_value(v) : NULL;
        if (json_is_integer(v)) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            text = num;
        }
        if (!text)
            continue;
        r = buf_addf(b, "%s%s: %s", b->len ? "; " : "", key, text);
    }
    return r;
}

/* The first sheet: what the workbook is, and the list of its tables. */
static hv_result
xlsx_summary(xlsx *x, const json_t *doc, const json_t *tables, hv_err *e)
{
    lxw_error err = LXW_NO_ERROR;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, x->names[0]);
    if (!ws)
        return hv_fail(e, HV_ERR_IO, NULL, "could not add the summary sheet");
    const char *title = json_str(doc, "title");
    const char *generated = json_str(doc, "generated_at");
    buf sub;
    buf_init(&sub, 4096);
    if (doc_subtitle(doc, &sub) != HV_OK) /* too long: leave it out */
        buf_reset(&sub);

#define PUT(expr)                                                                                  \
    do {                                                                                           \
        if (err == LXW_NO_ERROR)                                                                   \
            err = (expr);                                                                          \
    } while (0)
    PUT(put_text(ws, 0, 0, title ? title : "Report", x->title));
    if (sub.len)
        PUT(put_text(ws, 1, 0, sub.data, NULL));
    buf_free(&sub);
    PUT(worksheet_write_string(ws, 3, 0, "Generated", x->bold));
    if (generated)
        PUT(put_text(ws, 3, 1, generated, NULL));
    PUT(worksheet_write_string(ws, 4, 0, "Suppression threshold", x->bold));
    const json_t *th = json_object_get(doc, "threshold");
    if (json_is_number(th))
        PUT(worksheet_write_number(ws, 4, 1, json_number_value(th), NULL));
    PUT(worksheet_write_string(ws, 5, 0, "*", x->bold));
    PUT(put_text(ws, 5, 1, x->star, NULL));

    PUT(worksheet_write_string(ws, 7, 0, "Sheet", x->header));
    PUT(worksheet_write_string(ws, 7, 1, "Table", x->header));
    lxw_row_t at = 8;
    if (json_array_size(tables) == 0)
        PUT(worksheet_write_string(ws, at, 0, "This report has no tables.", x->note));
    for (size_t i = 0; i < json_array_size(tables); i++, at++) {
        const char *name = x->names[i + 1];
        const json_t *tb = json_array_get(tables, i);
        const char *t = json_str(tb, "title");
        /* internal:'Sheet ''name'''!A1 */
        char url[SHEET_NAME_SIZE * 2 + 16];
        size_t u = (size_t)snprintf(url, sizeof url, "internal:'");
        for (const char *p = name; *p; p++) {
            if (*p == '\'')
                url[u++] = '\'';
            url[u++] = *p;
        }
        snprintf(url + u, sizeof url - u, "'!A1");
        PUT(worksheet_write_url_opt(ws, at, 0, url, x->link, name, NULL));
        PUT(put_text(ws, at, 1, t ? t : json_str(tb, "id"), NULL));
    }
#undef PUT
    if (err != LXW_NO_ERROR)
        return lxw_fail(e, err, "the summary sheet", NULL);
    if ((err = worksheet_set_column(ws, 0, 0, 34, NULL)) != LXW_NO_ERROR ||
        (err = worksheet_set_column(ws, 1, 1, 60, NULL)) != LXW_NO_ERROR)
        return lxw_fail(e, err, "the summary sheet", NULL);
    return HV_OK;
}

/* Reads file PATH into OUT, within its maximum. */
static hv_result
read_file(const char *path, buf *out, hv_err *e)
{
    hv_result r = HV_OK;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        r = hv_fail(e, HV_ERR_IO, NULL, "could not read the xlsx workbook back: %s",
                    strerror(errno));
        goto done;
    }
    if ((size_t)st.st_size > out->max - out->len) {
        r = hv_fail(e, HV_ERR_TOOBIG, NULL, "the export is larger than %zu bytes", out->max);
        goto done;
    }
    char chunk[16384];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = hv_fail(e, HV_ERR_IO, NULL, "could not read the xlsx workbook back: %s",
                        strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        if ((r = buf_add(out, chunk, (size_t)n)) != HV_OK) {
            r = too_big(e, r, out);
            goto done;
        }
    }
done:
    if (fd >= 0)
        close(fd);
    return r;
}

hv_result
export_xlsx_doc(const json_t *doc, buf *out, hv_err *e)
{
    hv_result r = HV_OK;
    xlsx x;
    table_view *views = NULL;
    size_t nviews = 0;
    char dir[4096] = "", path[4200] = "";
    size_t len0 = out->len;
    memset(&x, 0, sizeof x);

    const json_t *tables = NULL;
    if ((r = doc_tables(doc, &tables, e)) != HV_OK)
        return r;
    size_t ntables = json_array_size(tables);

    /* Read every table first: a bad one fails before any file exists. */
    views = calloc(ntables + 1, sizeof *views);
    x.names = calloc(ntables + 1, sizeof *x.names);
    if (!views || !x.names) {
        r = hv_fail(e, HV_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }
    for (; nviews < ntables; nviews++)
        if ((r = table_open(json_array_get(tables, nviews), nviews, &views[nviews], e)) != HV_OK)
            goto done;
    snprintf(x.names[x.nnames++], SHEET_NAME_SIZE, "Summary");
    for (size_t i = 0; i < ntables; i++)
        sheet_name(&x, views[i].title, i);

    char star[200];
    const json_t *th = json_object_get(doc, "threshold");
    if (json_is_integer(th))
        snprintf(star, sizeof star,
                 "* suppressed: fewer than %" JSON_INTEGER_FORMAT
                 ", or hidden so that another small cell cannot be worked out",
                 json_integer_value(th));
    else
        snprintf(star, sizeof star,
                 "* suppressed: fewer than the threshold, or hidden so that another small cell "
                 "cannot be worked out");
    x.star_note = star;
    x.star = star + 2;

    /* libxlsxwriter 1.1.4 writes only to a named file: one in a directory
     * of our own (mode 0700), removed before we return. */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    if ((size_t)snprintf(dir, sizeof dir, "%s/haven-export-XXXXXX", tmp) >= sizeof dir ||
        !mkdtemp(dir)) {
        dir[0] = '\0';
        r = hv_fail(e, HV_ERR_IO, NULL, "could not make a temporary directory for the workbook");
        goto done;
    }
    snprintf(path, sizeof path, "%s/report.xlsx", dir);
    lxw_workbook_options opts = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    x.wb = workbook_new_opt(path, &opts);
    if (!x.wb) {
        r = hv_fail(e, HV_ERR_NOMEM, NULL, "could not start the xlsx workbook");
        goto done;
    }
    if (xlsx_formats(&x) != HV_OK) {
        r = hv_fail(e, HV_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }

    /* The file's creation time is the report's, not the wall clock's. */
    int64_t ms;
    const char *generated = json_str(doc, "generated_at");
    if (!generated || clock_parse_iso(generated, &ms) != HV_OK)
        ms = clock_now_ms();
    lxw_doc_properties props = {
        .title = (char *)json_str(doc, "title"),
        .company = NULL,
        .created = (time_t)(ms / 1000),
    };
    lxw_error err = workbook_set_properties(x.wb, &props);
    if (err != LXW_NO_ERROR) {
        r = lxw_fail(e, err, "the workbook properties", NULL);
        goto done;
    }

    if ((r = xlsx_summary(&x, doc, tables, e)) != HV_OK)
        goto done;
    for (size_t i = 0; i < ntables; i++)
        if ((r = xlsx_table(&x, &views[i], x.names[i + 1], e)) != HV_OK)
            goto done;

    err = workbook_close(x.wb);
    x.wb = NULL;
    if (err != LXW_NO_ERROR) {
        r = lxw_fail(e, err, "the xlsx workbook", NULL);
        goto done;
    }
    r = read_file(path, out, e);

done:
    if (x.wb)
        lxw_workbook_free(x.wb); /* nothing written yet */
    if (path[0])
        unlink(path);
    if (dir[0])
        rmdir(dir);
    for (size_t i = 0; i < nviews; i++)
        table_close(&views[i]);
    free(views);
    free(x.names);
    if (r != HV_OK) {
        out->len = len0;
        if (out->data)
            out->data[len0] = '\0';
    }
    return r;
}
