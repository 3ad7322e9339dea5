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
 * "tables": [table, ...]}; instead of "subtitle" the dashboard's "period"
 * {"from", "to"} and "filter" {...} serve. docs/metrics.md, "Exports", is
 * the contract of all three writers.
 *
 * Each appends to OUT (which keeps its maximum: HV_ERR_TOOBIG past it) and
 * on failure leaves OUT as it was and fills E: HV_ERR_INVALID naming the
 * field when the table is not a report table (the detail names the table
 * id, the row number and the column key, never a cell's content),
 * HV_ERR_TOOBIG, HV_ERR_NOMEM, or HV_ERR_IO when the XLSX could not be
 * written. They keep no state: any thread may call them at any time. */

/* One table as RFC 4180 CSV (CRLF, UTF-8 with no BOM, header row of column
 * labels, the total row last, no notes). Text cells that a spreadsheet would
 * run as a formula (starting with = + - @ tab or CR) are prefixed with an
 * apostrophe; numbers never are. Counts are whole, numbers have up to two
 * decimals, percents are written "25.0%", suppressed cells "*". */
hv_result export_csv_table(const json_t *table, buf *out, hv_err *e);

/* Every table of DOC in one CSV, long format: the header
 * "table_id,table,row,column,value" and one line per cell (the row is named
 * by its label, else its number, "Total" for the total row). */
hv_result export_csv_doc(const json_t *doc, buf *out, hv_err *e);

/* DOC as an XLSX workbook (libxlsxwriter): a first sheet "Summary" with the
 * title, subtitle, generated time, threshold, the meaning of "*" and the
 * list of tables, then one sheet per table with typed cells (counts and
 * numbers as numbers, percents formatted as percents, dates as dates), the
 * header frozen, the total bold and the notes below. The file is made in a
 * private directory under $TMPDIR (else /tmp), read into OUT and removed. */
hv_result export_xlsx_doc(const json_t *doc, buf *out, hv_err *e);

#endif
