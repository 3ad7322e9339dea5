/* test_export.c - report tables as CSV and XLSX: RFC 4180 quoting and CRLF,
 * the formula guard (and numbers that are never guarded), suppressed cells,
 * the total row last, number spelling, the long format, refusals that leave
 * the buffer as it was; and XLSX workbooks read back with Python's zipfile:
 * the sheets named in xl/workbook.xml, typed cells with their formats, the
 * "*", sheet names made valid and unique, no temporary file left behind. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "unit_util.h"

#include "report/export.h"

#define MAX (1u << 20)

/* The example of docs/metrics.md with a few awkward cells. */
static const char *age_table =
    "{\"id\": \"age\", \"title\": \"Age at recovery\", \"chart\": \"bar\","
    " \"columns\": ["
    "  {\"key\": \"label\", \"label\": \"Age\", \"type\": \"text\"},"
    "  {\"key\": \"n\", \"label\": \"Recoveries\", \"type\": \"count\"},"
    "  {\"key\": \"share\", \"label\": \"Share\", \"type\": \"percent\"}],"
    " \"rows\": ["
    "  {\"label\": \"15\", \"n\": 20, \"share\": 0.25},"
    "  {\"label\": \"12\", \"n\": null, \"share\": null, \"suppressed\": [\"n\", \"share\"]},"
    "  {\"label\": \"16\", \"n\": 111, \"share\": 0.71343}],"
    " \"total\": {\"label\": \"Total\", \"n\": 131, \"share\": 1},"
    " \"notes\": [\"Counted once per youth.\"]}";

static json_t *
parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad test JSON at line %d: %s", je.line, je.text);
    return j;
}

static char *
csv_of(const char *table_json)
{
    json_t *t = parse(table_json);
    buf b;
    hv_err e;
    buf_init(&b, MAX);
    hv_err_clear(&e);
    assert_int_equal(export_csv_table(t, &b, &e), HV_OK);
    json_decref(t);
    return buf_take(&b);
}

static void
test_csv_table(void **state)
{
    (void)state;
    char *csv = csv_of(age_table);
    assert_string_equal(csv, "Age,Recoveries,Share\r\n"
                             "15,20,25.0%\r\n"
                             "12,*,*\r\n"
                             "16,111,71.3%\r\n"
                             "Total,131,100.0%\r\n");
    free(csv);
}

static void
test_csv_quoting(void **state)
{
    (void)state;
    char *csv = csv_of("{\"id\": \"q\", \"columns\": ["
                       " {\"key\": \"a\", \"label\": \"Agency, county\"},"
                       " {\"key\": \"b\", \"label\": \"Say \\\"hi\\\"\"}],"
                       " \"rows\": ["
                       "  {\"a\": \"line\\nbreak\", \"b\": \"cr\\rlf\"},"
                       "  {\"a\": \"plain\", \"b\": \"a \\\"quote\\\", and a comma\"},"
                       "  {\"a\": \"\", \"b\": null}]}");
    assert_string_equal(csv, "\"Agency, county\",\"Say \"\"hi\"\"\"\r\n"
                             "\"line\nbreak\",\"cr\rlf\"\r\n"
                             "plain,\"a \"\"quote\"\", and a comma\"\r\n"
                             ",\r\n");
    free(csv);
}

/* Every record ends with CRLF and every record has as many fields as the
 * header, counted outside quotes. */
static void
assert_rectangular(const char *csv)
{
    int fields = 1, want = -1, quoted = 0;
    for (const char *p = csv; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && *p == ',')
            fields++;
        else if (!quoted && *p == '\n')
            fail_msg("bare LF outside quotes at offset %td", p - csv);
        else if (!quoted && *p == '\r') {
            assert_int_equal(p[1], '\n');
            if (want < 0)
                want = fields;
            assert_int_equal(fields, want);
            fields = 1;
            p++;
        }
    }
    assert_false(quoted);
    assert_int_equal(fields, 1); /* ended on a CRLF */
}

static void
test_csv_crlf_rectangular(void **state)
{
    (void)state;
    char *csv = csv_of(age_table);
    assert_rectangular(csv);
    free(csv);
    csv = csv_of("{\"id\": \"q\", \"columns\": [{\"key\": \"a\"}, {\"key\": \"b\"}],"
                 " \"rows\": [{\"a\": \"x\\r\\ny\", \"b\": \",\"}, {}, {\"b\": \"\\\"\"}]}");
    assert_rectangular(csv);
    free(csv);
}

static void
test_csv_formula_guard(void **state)
{
    (void)state;
    char *csv = csv_of("{\"id\": \"f\", \"columns\": ["
                       " {\"key\": \"label\", \"label\": \"=HEADER()\", \"type\": \"text\"},"
                       " {\"key\": \"d\", \"label\": \"Change\", \"type\": \"count\"},"
                       " {\"key\": \"x\", \"label\": \"Minutes\", \"type\": \"minutes\"}],"
                       " \"rows\": ["
                       "  {\"label\": \"=1+1\", \"d\": -3, \"x\": -2.5},"
                       "  {\"label\": \"+1\", \"d\": \"-3\", \"x\": -0.001},"
                       "  {\"label\": \"-x\", \"d\": 0, \"x\": 0},"
                       "  {\"label\": \"@SUM(A1)\", \"d\": 1, \"x\": 1},"
                       "  {\"label\": \"\\tTab\", \"d\": 1, \"x\": 1},"
                       "  {\"label\": \"\\rCR\", \"d\": 1, \"x\": 1},"
                       "  {\"label\": \"=cmd|' /C calc'!A0,x\", \"d\": 1, \"x\": 1},"
                       "  {\"label\": \"a=b\", \"d\": 1, \"x\": 1}]}");
    assert_string_equal(csv, "'=HEADER(),Change,Minutes\r\n"
                             "'=1+1,-3,-2.5\r\n"
                             "'+1,'-3,0\r\n"
                             "'-x,0,0\r\n"
                             "'@SUM(A1),1,1\r\n"
                             "'\tTab,1,1\r\n"
                             "\"'\rCR\",1,1\r\n"
                             "\"'=cmd|' /C calc'!A0,x\",1,1\r\n"
                             "a=b,1,1\r\n");
    free(csv);
}

static void
test_csv_numbers(void **state)
{
    (void)state;
    char *csv =
        csv_of("{\"id\": \"n\", \"columns\": ["
               " {\"key\": \"c\", \"type\": \"count\"},"
               " {\"key\": \"n\", \"type\": \"number\"},"
               " {\"key\": \"p\", \"type\": \"percent\"},"
               " {\"key\": \"h\", \"type\": \"hours\"},"
               " {\"key\": \"d\", \"type\": \"date\"}],"
               " \"rows\": ["
               "  {\"c\": 19.6, \"n\": 1.234, \"p\": 0.0006, \"h\": 72, \"d\": \"2025-03-01\"},"
               "  {\"c\": 0, \"n\": 2.5, \"p\": -0.0001, \"h\": 1.999, \"d\": null},"
               "  {\"c\": -7, \"n\": 3.0, \"p\": 0.123, \"h\": 0.1, \"d\": \"\"}]}");
    assert_string_equal(csv, "c,n,p,h,d\r\n"
                             "20,1.23,0.1%,72,2025-03-01\r\n"
                             "0,2.5,0.0%,2,\r\n"
                             "-7,3,12.3%,0.1,\r\n");
    free(csv);
    /* a share too large to scale is written as the number it is, never "inf" */
    csv = csv_of("{\"id\": \"n\", \"columns\": [{\"key\": \"p\", \"type\": \"percent\"}],"
                 " \"rows\": [{\"p\": 1e307}, {\"p\": -1e307}]}");
    assert_null(strstr(csv, "inf"));
    assert_rectangular(csv);
    free(csv);
}

/* A key listed in "suppressed" prints "*" even when a value slipped through. */
static void
test_csv_suppressed_wins(void **state)
{
    (void)state;
    char *csv = csv_of("{\"id\": \"s\", \"columns\": [{\"key\": \"label\"}, {\"key\": \"n\","
                       " \"type\": \"count\"}],"
                       " \"rows\": [{\"label\": \"a\", \"n\": 3, \"suppressed\": [\"n\"]},"
                       "  {\"label\": \"b\", \"n\": 30, \"suppressed\": []}],"
                       " \"total\": {\"label\": \"Total\", \"n\": null, \"suppressed\": [\"n\"]}}");
    assert_string_equal(csv, "label,n\r\na,*\r\nb,30\r\nTotal,*\r\n");
    free(csv);
}

static void
test_csv_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *field;
    } bad[] = {
        {"[]", "tables"},
        {"{\"columns\": [{\"key\": \"a\"}]}", "id"},
        {"{\"id\": \"x\"}", "columns"},
        {"{\"id\": \"x\", \"columns\": []}", "columns"},
        {"{\"id\": \"x\", \"columns\": [{\"label\": \"A\"}]}", "columns"},
        {"{\"id\": \"x\", \"columns\": [{\"key\": \"a\", \"type\": \"money\"}]}", "type"},
        {"{\"id\": \"x\", \"columns\": [{\"key\": \"a\"}], \"rows\": {}}", "rows"},
        {"{\"id\": \"x\", \"columns\": [{\"key\": \"a\"}], \"rows\": [1]}", "rows"},
        {"{\"id\": \"x\", \"columns\": [{\"key\": \"a\"}], \"total\": []}", "total"},
        {"{\"id\": \"x\", \"columns\": [{\"key\": \"a\"}], \"notes\": {}}", "notes"},
        {"{\"id\": \"x\", \"columns\": [{\"key\": \"a\"}], \"rows\": [{\"a\": {}}]}", "a"},
        {"{\"id\": \"x\", \"columns\": [{\"key\": \"a\"}], \"rows\": [{\"a\": true}]}", "a"},
        {"{\"id\": \"x\", \"columns\": [{\"key\": \"a\"}], \"rows\": [{\"a\": 1}],"
         " \"total\": {\"a\": [1]}}",
         "a"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *t = parse(bad[i].json);
        buf b;
        hv_err e;
        buf_init(&b, MAX);
        assert_int_equal(buf_adds(&b, "kept"), HV_OK);
        hv_err_clear(&e);
        assert_int_equal(export_csv_table(t, &b, &e), HV_ERR_INVALID);
        assert_int_equal(e.code, HV_ERR_INVALID);
        assert_string_equal(e.field, bad[i].field);
        assert_true(e.detail[0] != '\0');
        assert_string_equal(b.data, "kept"); /* nothing half-written */
        buf_free(&b);
        json_decref(t);
    }
}

/* Error details name the table and the column, never a cell's content. */
static void
test_csv_error_names_no_content(void **state)
{
    (void)state;
    json_t *t = parse("{\"id\": \"age\", \"columns\": [{\"key\": \"label\"}, {\"key\": \"n\"}],"
                      " \"rows\": [{\"label\": \"Jane Doe\", \"n\": {\"secret\": 1}}]}");
    buf b;
    hv_err e;
    buf_init(&b, MAX);
    hv_err_clear(&e);
    assert_int_equal(export_csv_table(t, &b, &e), HV_ERR_INVALID);
    assert_non_null(strstr(e.detail, "\"age\""));
    assert_non_null(strstr(e.detail, "\"n\""));
    assert_null(strstr(e.detail, "Jane"));
    assert_null(strstr(e.detail, "secret"));
    buf_free(&b);
    json_decref(t);
}

static void
test_csv_toobig(void **state)
{
    (void)state;
    json_t *t = parse(age_table);
    buf b;
    hv_err e;
    buf_init(&b, 40);
    hv_err_clear(&e);
    assert_int_equal(export_csv_table(t, &b, &e), HV_ERR_TOOBIG);
    assert_int_equal(b.len, 0);
    buf_free(&b);
    json_decref(t);
}

static json_t *
two_table_doc(void)
{
    json_t *doc = json_pack("{s:s, s:s, s:i, s:s, s:[]}", "title", "Outcomes", "subtitle",
                            "2025-01-01 to 2025-12-31", "threshold", 11, "generated_at",
                            "2026-01-15T10:00:00Z", "tables");
    json_array_append_new(json_object_get(doc, "tables"), parse(age_table));
    json_array_append_new(
        json_object_get(doc, "tables"),
        parse("{\"id\": \"median\", \"title\": \"Time to arrival, by agency\", \"columns\": ["
              " {\"key\": \"label\", \"label\": \"Agency\", \"type\": \"text\"},"
              " {\"key\": \"m\", \"label\": \"Median minutes\", \"type\": \"minutes\"},"
              " {\"key\": \"since\", \"label\": \"Since\", \"type\": \"date\"}],"
              " \"rows\": [{\"label\": \"Sheriff, North\", \"m\": 42.5, \"since\": \"2025-03-01\"},"
              "  {\"label\": \"=Police\", \"m\": -1, \"since\": \"not a date\"}],"
              " \"notes\": [\"From the page to arrival.\", \"Working days only.\"]}"));
    return doc;
}

static void
test_csv_doc_long(void **state)
{
    (void)state;
    json_t *doc = two_table_doc();
    buf b;
    hv_err e;
    buf_init(&b, MAX);
    hv_err_clear(&e);
    assert_int_equal(export_csv_doc(doc, &b, &e), HV_OK);
    assert_string_equal(b.data,
                        "table_id,table,row,column,value\r\n"
                        "age,Age at recovery,15,Recoveries,20\r\n"
                        "age,Age at recovery,15,Share,25.0%\r\n"
                        "age,Age at recovery,12,Recoveries,*\r\n"
                        "age,Age at recovery,12,Share,*\r\n"
                        "age,Age at recovery,16,Recoveries,111\r\n"
                        "age,Age at recovery,16,Share,71.3%\r\n"
                        "age,Age at recovery,Total,Recoveries,131\r\n"
                        "age,Age at recovery,Total,Share,100.0%\r\n"
                        "median,\"Time to arrival, by agency\",\"Sheriff, North\","
                        "Median minutes,42.5\r\n"
                        "median,\"Time to arrival, by agency\",\"Sheriff, North\","
                        "Since,2025-03-01\r\n"
                        "median,\"Time to arrival, by agency\",'=Police,Median minutes,-1\r\n"
                        "median,\"Time to arrival, by agency\",'=Police,Since,not a date\r\n");
    assert_rectangular(b.data);
    buf_free(&b);
    json_decref(doc);
}

/* Without a label column the rows are numbered. */
static void
test_csv_doc_numbered_rows(void **state)
{
    (void)state;
    json_t *doc = parse("{\"tables\": [{\"id\": \"k\", \"title\": \"K\", \"columns\": ["
                        " {\"key\": \"a\", \"label\": \"A\", \"type\": \"count\"},"
                        " {\"key\": \"b\", \"label\": \"B\", \"type\": \"count\"}],"
                        " \"rows\": [{\"a\": 1, \"b\": 2}], \"total\": {\"a\": 1, \"b\": 2}}]}");
    buf b;
    hv_err e;
    buf_init(&b, MAX);
    hv_err_clear(&e);
    assert_int_equal(export_csv_doc(doc, &b, &e), HV_OK);
    assert_string_equal(b.data, "table_id,table,row,column,value\r\n"
                                "k,K,1,A,1\r\nk,K,1,B,2\r\nk,K,Total,A,1\r\nk,K,Total,B,2\r\n");
    buf_free(&b);
    json_decref(doc);
}

static void
test_csv_doc_empty_and_bad(void **state)
{
    (void)state;
    buf b;
    hv_err e;
    buf_init(&b, MAX);
    json_t *doc = parse("{\"title\": \"Nothing\", \"tables\": []}");
    assert_int_equal(export_csv_doc(doc, &b, &e), HV_OK);
    assert_string_equal(b.data, "table_id,table,row,column,value\r\n");
    json_decref(doc);
    buf_reset(&b);
    doc = parse("{\"title\": \"No key at all\"}");
    assert_int_equal(export_csv_doc(doc, &b, &e), HV_OK);
    assert_string_equal(b.data, "table_id,table,row,column,value\r\n");
    json_decref(doc);

    buf_reset(&b);
    doc = parse("{\"tables\": [{\"id\": \"ok\", \"columns\": [{\"key\": \"a\"}]}, {\"id\": 3}]}");
    hv_err_clear(&e);
    assert_int_equal(export_csv_doc(doc, &b, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, "id");
    assert_int_equal(b.len, 0);
    json_decref(doc);
    doc = parse("{\"tables\": {}}");
    assert_int_equal(export_csv_doc(doc, &b, &e), HV_ERR_INVALID);
    assert_string_equal(e.field, "tables");
    json_decref(doc);
    doc = parse("[]");
    assert_int_equal(export_csv_doc(doc, &b, &e), HV_ERR_INVALID);
    assert_int_equal(export_xlsx_doc(doc, &b, &e), HV_ERR_INVALID);
    json_decref(doc);
    buf_free(&b);
}

/* ---- XLSX, read back with Python's zipfile --------------------------------- */

/* Prints "sheet<TAB>name" per sheet in workbook order, then per cell
 * "cell<TAB>Sheet!REF<TAB>value<TAB>number format<TAB>[b][ right]" with
 * shared strings resolved, and "pane<TAB>Sheet<TAB>top-left cell". */
static const char *reader_py =
    "import sys, zipfile, xml.etree.ElementTree as ET\n"
    "z = zipfile.ZipFile(sys.argv[1])\n"
    "M = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'\n"
    "R = '{http://schemas.openxmlformats.org/officeDocument/2006/relationships}'\n"
    "wb = ET.fromstring(z.read('xl/workbook.xml'))\n"
    "rels = {r.get('Id'): r.get('Target') for r in "
    "ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))}\n"
    "ss = []\n"
    "if 'xl/sharedStrings.xml' in z.namelist():\n"
    "    for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall(M + 'si'):\n"
    "        ss.append(''.join(t.text or '' for t in si.iter(M + 't')))\n"
    "st = ET.fromstring(z.read('xl/styles.xml'))\n"
    "fmts = {0: 'General', 3: '#,##0'}\n"
    "for f in st.iter(M + 'numFmt'):\n"
    "    fmts[int(f.get('numFmtId'))] = f.get('formatCode')\n"
    "fonts = [f.find(M + 'b') is not None for f in st.find(M + 'fonts')]\n"
    "xfs = []\n"
    "for x in st.find(M + 'cellXfs'):\n"
    "    a = x.find(M + 'alignment')\n"
    "    xfs.append((int(x.get('numFmtId', 0)), int(x.get('fontId', 0)),\n"
    "                a.get('horizontal') if a is not None else ''))\n"
    "for s in wb.find(M + 'sheets'):\n"
    "    name = s.get('name')\n"
    "    print('sheet\\t' + name)\n"
    "    x = ET.fromstring(z.read('xl/' + rels[s.get(R + 'id')]))\n"
    "    for c in x.iter(M + 'c'):\n"
    "        t, v = c.get('t'), c.find(M + 'v')\n"
    "        if t == 's':\n"
    "            val = ss[int(v.text)]\n"
    "        elif t == 'inlineStr':\n"
    "            val = ''.join(i.text or '' for i in c.iter(M + 't'))\n"
    "        else:\n"
    "            val = v.text if v is not None else ''\n"
    "        nf, font, al = xfs[int(c.get('s', 0))]\n"
    "        print('cell\\t%s!%s\\t%s\\t%s\\t%s%s' % (name, c.get('r'), val, fmts.get(nf, nf),\n"
    "              'b' if fonts[font] else '', ' right' if al == 'right' else ''))\n"
    "    for p in x.iter(M + 'pane'):\n"
    "        print('pane\\t%s\\t%s' % (name, p.get('topLeftCell')))\n";

typedef struct xfix {
    char dir[64];     /* TMPDIR of the export: must be empty afterwards */
    char scratch[64]; /* the test's own files */
} xfix;

static int
xsetup(void **state)
{
    xfix *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/haven-export-test-XXXXXX");
    snprintf(f->scratch, sizeof f->scratch, "/tmp/haven-export-scratch-XXXXXX");
    if (!mkdtemp(f->dir) || !mkdtemp(f->scratch))
        return -1;
    setenv("TMPDIR", f->dir, 1);
    *state = f;
    return 0;
}

static int
xteardown(void **state)
{
    xfix *f = *state;
    unsetenv("TMPDIR");
    rm_dir(f->dir);
    rm_dir(f->scratch);
    free(f);
    return 0;
}

static void
assert_dir_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            fail_msg("left behind in TMPDIR: %s", e->d_name);
    closedir(d);
}

/* The XLSX of DOC, checked to be a ZIP, as the reader's lines. */
static char *
xlsx_lines(const xfix *f, const json_t *doc)
{
    buf b, text;
    hv_err e;
    char xlsx[128], py[128], cmd[400];
    buf_init(&b, 8u << 20);
    hv_err_clear(&e);
    assert_int_equal(export_xlsx_doc(doc, &b, &e), HV_OK);
    assert_true(b.len > 100);
    assert_memory_equal(b.data, "PK\x03\x04", 4);
    assert_dir_empty(f->dir);

    snprintf(xlsx, sizeof xlsx, "%s/out.xlsx", f->scratch);
    snprintf(py, sizeof py, "%s/read.py", f->scratch);
    FILE *fp = fopen(xlsx, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b.data, 1, b.len, fp), b.len);
    fclose(fp);
    fp = fopen(py, "w");
    assert_non_null(fp);
    fputs(reader_py, fp);
    fclose(fp);
    buf_free(&b);

    const char *python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    snprintf(cmd, sizeof cmd, "%s %s %s", python, py, xlsx);
    FILE *p = popen(cmd, "r");
    if (!p)
        skip();
    buf_init(&text, 8u << 20);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        assert_int_equal(buf_add(&text, chunk, n), HV_OK);
    int status = pclose(p);
    if (status != 0 && text.len == 0) { /* no Python here */
        buf_free(&text);
        skip();
    }
    assert_int_equal(status, 0);
    return buf_take(&text);
}

static void
assert_line(const char *lines, const char *line)
{
    char want[512];
    snprintf(want, sizeof want, "%s\n", line);
    const char *at = lines;
    while ((at = strstr(at, want)) != NULL) {
        if (at == lines || at[-1] == '\n')
            return;
        at++;
    }
    fail_msg("no line \"%s\" in:\n%s", line, lines);
}

static void
test_xlsx_readback(void **state)
{
    xfix *f = *state;
    json_t *doc = two_table_doc();
    char *lines = xlsx_lines(f, doc);

    /* the sheets, in order, in xl/workbook.xml */
    const char *s1 = strstr(lines, "sheet\tSummary\n");
    const char *s2 = strstr(lines, "sheet\tAge at recovery\n");
    const char *s3 = strstr(lines, "sheet\tTime to arrival, by agency\n");
    assert_true(s1 && s2 && s3 && s1 < s2 && s2 < s3);

    /* the summary */
    assert_line(lines, "cell\tSummary!A1\tOutcomes\tGeneral\tb");
    assert_line(lines, "cell\tSummary!A2\t2025-01-01 to 2025-12-31\tGeneral\t");
    assert_line(lines, "cell\tSummary!B4\t2026-01-15T10:00:00Z\tGeneral\t");
    assert_line(lines, "cell\tSummary!B5\t11\tGeneral\t");
    assert_line(lines, "cell\tSummary!B6\tsuppressed: fewer than 11, or hidden so that another "
                       "small cell cannot be worked out\tGeneral\t");
    assert_line(lines, "cell\tSummary!A9\tAge at recovery\tGeneral\t");
    assert_line(lines, "cell\tSummary!B10\tTime to arrival, by agency\tGeneral\t");

    /* a table: bold header, typed cells, "*" right-aligned, bold total */
    assert_line(lines, "cell\tAge at recovery!A1\tAge\tGeneral\tb");
    assert_line(lines, "cell\tAge at recovery!C1\tShare\tGeneral\tb");
    assert_line(lines, "cell\tAge at recovery!A2\t15\tGeneral\t");
    assert_line(lines, "cell\tAge at recovery!B2\t20\t#,##0\t");
    assert_line(lines, "cell\tAge at recovery!C2\t0.25\t0.0%\t");
    assert_line(lines, "cell\tAge at recovery!B3\t*\tGeneral\t right");
    assert_line(lines, "cell\tAge at recovery!C3\t*\tGeneral\t right");
    assert_line(lines, "cell\tAge at recovery!C4\t0.713\t0.0%\t");
    assert_line(lines, "cell\tAge at recovery!A5\tTotal\tGeneral\tb");
    assert_line(lines, "cell\tAge at recovery!B5\t131\t#,##0\tb");
    assert_line(lines, "cell\tAge at recovery!C5\t1\t0.0%\tb");
    assert_line(lines, "cell\tAge at recovery!A7\tCounted once per youth.\tGeneral\t");
    assert_line(lines, "cell\tAge at recovery!A8\t* suppressed: fewer than 11, or hidden so that "
                       "another small cell cannot be worked out\tGeneral\t");
    assert_line(lines, "pane\tAge at recovery\tA2");

    /* strings stay strings (no formula), dates are dates, minutes numbers */
    assert_line(lines, "cell\tTime to arrival, by agency!B2\t42.5\tGeneral\t");
    assert_line(lines, "cell\tTime to arrival, by agency!C2\t45717\tyyyy-mm-dd\t");
    assert_line(lines, "cell\tTime to arrival, by agency!A3\t=Police\tGeneral\t");
    assert_line(lines, "cell\tTime to arrival, by agency!B3\t-1\tGeneral\t");
    assert_line(lines, "cell\tTime to arrival, by agency!C3\tnot a date\tGeneral\t");
    assert_line(lines, "cell\tTime to arrival, by agency!A5\tFrom the page to arrival.\tGeneral\t");
    assert_line(lines, "cell\tTime to arrival, by agency!A6\tWorking days only.\tGeneral\t");
    /* no "*" in this table: no explanation under it */
    assert_null(strstr(lines, "cell\tTime to arrival, by agency!A7\t"));
    free(lines);
    json_decref(doc);
}

static void
test_xlsx_zero_tables(void **state)
{
    xfix *f = *state;
    json_t *doc = parse("{\"title\": \"Empty\", \"tables\": []}");
    char *lines = xlsx_lines(f, doc);
    assert_non_null(strstr(lines, "sheet\tSummary\n"));
    assert_null(strstr(lines + 1, "\nsheet\t")); /* one sheet only */
    assert_line(lines, "cell\tSummary!A9\tThis report has no tables.\tGeneral\t");
    assert_line(lines, "cell\tSummary!B6\tsuppressed: fewer than the threshold, or hidden so "
                       "that another small cell cannot be worked out\tGeneral\t");
    free(lines);
    json_decref(doc);
}

/* Sheet names: at most 31 characters, none of []:*?/\, no apostrophe at
 * either end, unique without regard to case, never "History". */
static void
test_xlsx_sheet_names(void **state)
{
    xfix *f = *state;
    static const char *const titles[] = {
        "Arrests before and after protocol launch", /* 40 characters */
        "Arrests before and after protocol launch",
        "ARRESTS BEFORE AND AFTER PROTOCOL LAUNCH",
        "Summary",
        "History",
        "Referrals [by agency]: who/what\\why?*",
        "'quoted'",
        "",
        "   ",
        "Récupérations par âge et par agence du comté",
    };
    json_t *doc = json_pack("{s:s, s:[]}", "title", "Names", "tables");
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        json_array_append_new(json_object_get(doc, "tables"),
                              json_pack("{s:s, s:s, s:[{s:s}], s:[{s:i}]}", "id", "t", "title",
                                        titles[i], "columns", "key", "n", "rows", "n", (int)i));
    char *lines = xlsx_lines(f, doc);
    static const char *const want[] = {
        "Summary",
        "Arrests before and after protoc",
        "Arrests before and after pr (2)",
        "ARRESTS BEFORE AND AFTER PR (3)",
        "Summary (2)",
        "History (2)",
        "Referrals (by agency)- who-what",
        "quoted",
        "Table 8",
        "Table 9",
        "Récupérations par âge et par ag",
    };
    const char *at = lines;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char line[200];
        snprintf(line, sizeof line, "sheet\t%s\n", want[i]);
        const char *hit = strstr(at, line);
        if (!hit)
            fail_msg("no sheet \"%s\" after offset %td in:\n%s", want[i], at - lines, lines);
        at = hit + strlen(line);
    }
    /* whatever the titles: at most 31 characters, unique without case */
    char names[16][128];
    size_t n = 0;
    for (const char *p = lines; (p = strstr(p, "sheet\t")) != NULL; p++) {
        if (p != lines && p[-1] != '\n')
            continue;
        const char *name = p + 6, *end = strchr(name, '\n');
        assert_true(n < 16 && end && (size_t)(end - name) < sizeof names[0]);
        memcpy(names[n], name, (size_t)(end - name));
        names[n][end - name] = '\0';
        size_t chars = 0;
        for (const char *c = names[n]; *c; c++)
            chars += ((unsigned char)*c & 0xc0) != 0x80;
        assert_true(chars >= 1 && chars <= 31);
        assert_null(strpbrk(names[n], "[]:*?/\\"));
        for (size_t k = 0; k < n; k++)
            assert_true(strcasecmp(names[k], names[n]) != 0);
        n++;
    }
    assert_int_equal(n, sizeof want / sizeof want[0]);
    /* each sheet holds its own table */
    assert_line(lines, "cell\tArrests before and after pr (2)!A2\t1\tGeneral\t");
    assert_line(lines, "cell\tTable 9!A2\t8\tGeneral\t");
    free(lines);
    json_decref(doc);
}

static void
test_xlsx_refusals_leave_nothing(void **state)
{
    xfix *f = *state;
    json_t *doc = parse("{\"tables\": [{\"id\": \"ok\", \"columns\": [{\"key\": \"a\"}]},"
                        " {\"id\": \"bad\", \"columns\": [{\"key\": \"a\"}], \"rows\": [[1]]}]}");
    buf b;
    hv_err e;
    buf_init(&b, 8u << 20);
    hv_err_clear(&e);
    assert_int_equal(export_xlsx_doc(doc, &b, &e), HV_ERR_INVALID);
    assert_non_null(strstr(e.detail, "\"bad\""));
    assert_int_equal(b.len, 0);
    assert_dir_empty(f->dir);
    json_decref(doc);

    /* too big for the buffer: refused, and the temporary file is gone */
    doc = two_table_doc();
    buf_free(&b);
    buf_init(&b, 1000);
    assert_int_equal(export_xlsx_doc(doc, &b, &e), HV_ERR_TOOBIG);
    assert_int_equal(b.len, 0);
    assert_dir_empty(f->dir);
    json_decref(doc);

    /* an unusable TMPDIR is an I/O error naming the step */
    setenv("TMPDIR", "/nonexistent/haven", 1);
    doc = two_table_doc();
    buf_free(&b);
    buf_init(&b, 8u << 20);
    assert_int_equal(export_xlsx_doc(doc, &b, &e), HV_ERR_IO);
    assert_non_null(strstr(e.detail, "temporary directory"));
    setenv("TMPDIR", f->dir, 1);
    buf_free(&b);
    json_decref(doc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_table),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_crlf_rectangular),
        cmocka_unit_test(test_csv_formula_guard),
        cmocka_unit_test(test_csv_numbers),
        cmocka_unit_test(test_csv_suppressed_wins),
        cmocka_unit_test(test_csv_refusals),
        cmocka_unit_test(test_csv_error_names_no_content),
        cmocka_unit_test(test_csv_toobig),
        cmocka_unit_test(test_csv_doc_long),
        cmocka_unit_test(test_csv_doc_numbered_rows),
        cmocka_unit_test(test_csv_doc_empty_and_bad),
        cmocka_unit_test_setup_teardown(test_xlsx_readback, xsetup, xteardown),
        cmocka_unit_test_setup_teardown(test_xlsx_zero_tables, xsetup, xteardown),
        cmocka_unit_test_setup_teardown(test_xlsx_sheet_names, xsetup, xteardown),
        cmocka_unit_test_setup_teardown(test_xlsx_refusals_leave_nothing, xsetup, xteardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
