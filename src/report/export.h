/*
 * export.h - report tables as CSV and XLSX files.
 *
 * A report table is the JSON object every figure of haven's reports is made
 * of (docs/metrics.md, "Table format"): id, title, columns (key, label,
 * type), rows, an optional total row and notes. A suppressed cell is null in
 * its row and its key is listed in the row's "suppressed" array; both
 * formats print it as "*" and explain the mark once.
 *
 * The writers never see personal data: they take tables the report layer
 * has already de-identified.
 */
#ifndef HAVEN_EXPORT_H
#define HAVEN_EXPORT_H

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"

/* A report document: {"title", "subtitle", "threshold", "generated_at",
 * "tables": [table, ...]}. */

/* One table as RFC 4180 CSV (CRLF, UTF-8 with no BOM, header row of column
 * labels, the total row last). Cells that a spreadsheet would run as a
 * formula (starting with = + - @ tab or CR) are prefixed with an apostrophe. */
hv_result export_csv_table(const json_t *table, buf *out, hv_err *e);

/* Every table of DOC in one CSV, long format: table, row, column, value. */
hv_result export_csv_doc(const json_t *doc, buf *out, hv_err *e);

/* DOC as an XLSX workbook (libxlsxwriter): a first sheet with the title,
 * subtitle, threshold and the list of tables, then one sheet per table with
 * typed cells (counts as numbers, percents formatted as percents). */
hv_result export_xlsx_doc(const json_t *doc, buf *out, hv_err *e);

#endif
