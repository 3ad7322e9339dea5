/*
 * record.h - records described once.
 *
 * Each record type (agency, station, user, and the protocol's referrals,
 * placements ... to come) is one record_desc: a table of field_desc giving
 * name, type, bounds, choices, and flags for who may set it and how it is
 * kept. Generic code here does the rest: validating JSON input (unknown keys
 * refused, naming the field), INSERT/UPDATE/SELECT through store.h, JSON
 * output, and encryption of sensitive fields. Adding a field is a one-line
 * change to a descriptor (plus a migration for its column).
 */
#ifndef HAVEN_RECORD_H
#define HAVEN_RECORD_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

typedef enum field_type {
    FT_TEXT,    /* string, length min..max (characters) */
    FT_INT,     /* integer, value min..max */
    FT_BOOL,    /* true/false, stored 0/1 */
    FT_DATE,    /* "YYYY-MM-DD", stored as text */
    FT_TIME,    /* ISO-8601 instant in JSON, milliseconds in the database */
    FT_ENUM,    /* one of choices[] */
    FT_REF,     /* id of a row in another record type (ref) */
    FT_EMAIL,   /* an e-mail address (light check) */
    FT_ENUMLIST /* array of choices[]; never a column (F_VIRTUAL) */
} field_type;

enum field_flags {
    F_REQUIRED = 1 << 0,   /* must be given on create */
    F_READONLY = 1 << 1,   /* set by the server; refused in input */
    F_CREATEONLY = 1 << 2, /* may be given on create, not changed after */
    F_HIDDEN = 1 << 3,     /* never written to JSON output */
    F_SENSITIVE = 1 << 4,  /* a direct identifier: encrypted at rest, never logged */
    F_VIRTUAL = 1 << 5,    /* validated here, stored by the owning module */
    F_SEARCH = 1 << 6,     /* matched by the list filter "q" */
    F_RAW = 1 << 7,        /* text kept exactly as given (passwords): no trimming */
    F_UNIQUE = 1 << 8,     /* unique in its table (named when a duplicate is refused) */
    F_HEALTH = 1 << 9,     /* a health detail: shown only to those the policy allows */
};

typedef struct field_desc {
    const char *name;
    field_type type;
    unsigned flags;
    long min, max;
    const char *const *choices; /* NULL-terminated, for FT_ENUM/FT_ENUMLIST */
    const char *ref;            /* table referenced by FT_REF */
    const char *label;          /* for people: forms, docs, the OpenAPI document */
} field_desc;

typedef struct record_desc {
    const char *name;  /* "agency" */
    const char *table; /* "agency" */
    const field_desc *fields;
    int nfields;
    const char *order_by; /* default list order, e.g. "name" */
    int timestamps;       /* has created_at/updated_at columns */
} record_desc;

enum record_mode { REC_CREATE, REC_UPDATE };

/* Refuses a key of IN not in NAMES (NULL-terminated): E names it. For bodies
 * that are not one record (a rotation with its members, a policy with its
 * steps). */
hv_result record_known_keys(const json_t *in, const char *const *names, hv_err *e);

/* Validates IN against DESC. On success *OUT is a new object with only the
 * declared, writable keys, values normalised (trimmed text; enum strings).
 * On failure E names the first bad field. */
hv_result record_parse(const record_desc *d, json_t *in, enum record_mode mode, json_t **out,
                       hv_err *e);

/* INSERT of the column fields present in VALS; *ID gets the new id. */
hv_result record_insert(store_conn *c, const record_desc *d, json_t *vals, int64_t *id, hv_err *e);
/* UPDATE of the column fields present in VALS; HV_ERR_NOTFOUND if no row. */
hv_result record_update(store_conn *c, const record_desc *d, int64_t id, json_t *vals, hv_err *e);
/* One row as JSON (visible fields plus id and timestamps). */
hv_result record_get(store_conn *c, const record_desc *d, int64_t id, json_t **out);
/* Rows as a JSON array. WHERE (may be NULL) is a SQL condition with '?'
 * bound to ARGS; Q (may be NULL) filters F_SEARCH fields by substring. */
hv_result record_list(store_conn *c, const record_desc *d, const char *where, const store_val *args,
                      int nargs, const char *q, int limit, json_t **out);

/* Replaces the value of every field of D with any of FLAGS in O by null and
 * lists their names in O's "redacted" array (made only when something was). */
void record_redact(const record_desc *d, json_t *o, unsigned flags);

/* Column COL of ROW, integer milliseconds, as an ISO-8601 JSON string, or
 * JSON null for SQL NULL. */
json_t *record_time_col(const store_row *row, int col);

const field_desc *record_field(const record_desc *d, const char *name);
/* The JSON Schema of DESC for the OpenAPI document: INPUT 0 is the output
 * shape, 1 the create input (no read-only fields), 2 the update input (no
 * read-only or create-only fields, nothing required). */
json_t *record_schema(const record_desc *d, int input);

#endif
