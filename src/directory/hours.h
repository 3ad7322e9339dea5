/*
 * hours.h - opening hours of the services directory: is a service open at an
 * instant, when does it next open or close, and a week of 15-minute slots
 * for "open now" over many services.
 *
 * The input is HSDS 3.0 `schedule` objects: RFC 5545 recurrence fields
 * (freq, interval, byday, bymonthday, byyearday, byweekno, count, until,
 * dtstart, wkst), the dates the schedule is valid (valid_from, valid_to),
 * its local times (opens_at, closes_at) and a time zone. hours_parse() turns
 * one into an hours_rule: a fixed-size struct with no pointers (it can be
 * copied, stored as a blob, kept in an array). A service's hours are an
 * array of rules: its openings and its closures. Pure computation: no SQL,
 * no clock; instants are UTC milliseconds passed in. The contract, with
 * examples, is docs/directory.md, "Open now"; in short:
 *
 *  - Each rule gives a set of local DATES (its occurrences) and a local
 *    span on each: from opens_at on that date to closes_at, on the same date
 *    if closes_at is later, else on the next date (20:00-02:00 closes at
 *    2 am the day after, also after the last listed day; 09:00-09:00 and
 *    00:00-24:00 are 24 hours). closes_at "23:59" (HSDS's advice for "24
 *    hours") and "24:00" both mean midnight at the end of the day.
 *  - Local times become instants through core/zone (a time in the
 *    spring-forward gap is the instant the clocks jump to, one in the
 *    fall-back overlap its first occurrence), so 01:00-03:00 on the
 *    spring-forward night is open one hour and 22:00-06:00 across fall-back
 *    nine.
 *  - A rule with "closed": true (haven's extension of HSDS) is a closure.
 *    Without times it cancels every opening that STARTS on its dates (a
 *    holiday); with times it removes that span (closing early). Closures win
 *    over openings; several openings are a union.
 *  - A rule without opens_at/closes_at that is not a closure ("by
 *    appointment") is kept for its text but never makes a service open.
 *  - The zone is the rule's `timezone` (an IANA name, "UTC", or an offset:
 *    a number of hours as HSDS has it, or "+05:30"), else the offset
 *    suffix of opens_at/closes_at ("09:00-08:00"), else the directory's
 *    default zone passed to the evaluators (HSDS says UTC; a county
 *    directory means its own wall clock).
 *
 * Speed: a rule that is a plain weekly or daily pattern (freq WEEKLY, DAILY
 * or none; byday without ordinals; any interval, byweekno, until, valid
 * dates) and a YEARLY rule on dtstart's month and day are tested day by day
 * by arithmetic, with no allocation. Everything else (MONTHLY, "1MO", "-1FR",
 * bymonthday, byyearday, bymonth, count) is expanded with libical's
 * icalrecur_iterator, 64 days per call, into a per-call cache.
 * Local<->UTC conversions are core/zone's, done once per zone and window and
 * then by arithmetic while the zone's offset is constant.
 *
 * Thread safety: every function here is reentrant. libical's recurrence
 * iterator is called under a mutex of this file (on floating dates: it never
 * touches libical's zone tables, which core/zone guards).
 */
#ifndef HAVEN_HOURS_H
#define HAVEN_HOURS_H

#include <jansson.h>
#include <stdint.h>

#include "core/err.h"

#define HOURS_RULES_MAX    64    /* rules in one call (openings and closures) */
#define HOURS_LIST_MAX     16    /* values in one by... list */
#define HOURS_COUNT_MAX    10000 /* largest count */
#define HOURS_INTERVAL_MAX 1000  /* largest interval */
#define HOURS_TZ_MAX       48    /* bytes of a zone name, with its NUL */
#define HOURS_NO_DAY       INT32_MIN
#define HOURS_NEVER        INT64_MIN /* no such instant within the horizon */
/* How far the evaluators look: a service open with no closing within
 * HOURS_OPEN_HORIZON_DAYS is "open around the clock"; one with no opening
 * within HOURS_CLOSED_HORIZON_DAYS "not open in the next year". */
#define HOURS_OPEN_HORIZON_DAYS   8
#define HOURS_CLOSED_HORIZON_DAYS 400

typedef enum hours_freq {
    HOURS_FREQ_NONE = 0, /* no freq: weekly if byday is given, else daily */
    HOURS_FREQ_DAILY,
    HOURS_FREQ_WEEKLY,
    HOURS_FREQ_MONTHLY,
    HOURS_FREQ_YEARLY
} hours_freq;

/* hours_rule.flags */
#define HOURS_CLOSED    0x01 /* a closure ("closed": true) */
#define HOURS_HAS_TIMES 0x02 /* opens_at and closes_at given */
#define HOURS_TZ_FIXED  0x04 /* zone is utc_offset minutes */
#define HOURS_TZ_NAMED  0x08 /* zone is tz (neither: the default zone) */
#define HOURS_FAST      0x10 /* occurrences by arithmetic (see above) */

/* One HSDS schedule, parsed. Dates are local calendar dates in the rule's
 * zone, as days since 1970-01-01 (core/zone's zone_days_from_civil), or
 * HOURS_NO_DAY. Text fields (description, notes, attending_type) are not
 * kept: the caller stores the schedule object itself. */
typedef struct hours_rule {
    int32_t valid_from, valid_to; /* inclusive */
    int32_t dtstart, until;       /* until: the last occurrence's date, inclusive */
    int32_t count;                /* 0: no count */
    int16_t opens, closes;        /* minutes after local midnight; closes 1..1440 */
    int16_t utc_offset;           /* minutes east of UTC, with HOURS_TZ_FIXED */
    uint16_t interval;            /* 1..HOURS_INTERVAL_MAX */
    uint16_t bymonth;             /* bit M for month M (1..12): haven's extension */
    uint8_t freq;                 /* hours_freq */
    uint8_t wkst;                 /* week start, 0 = Sunday .. 6 = Saturday (default Monday) */
    uint8_t weekdays;             /* plain byday entries: bit W for weekday W (0 = Sunday) */
    uint8_t flags;                /* HOURS_* above */
    uint8_t n_byday;              /* entries of byday with an ordinal ("1MO", "-1FR") */
    uint8_t n_bymonthday, n_byyearday, n_byweekno;
    int8_t byday_pos[HOURS_LIST_MAX]; /* ordinal: 1..53 or -53..-1 */
    uint8_t byday_wd[HOURS_LIST_MAX]; /* its weekday, 0 = Sunday */
    int8_t bymonthday[HOURS_LIST_MAX];
    int16_t byyearday[HOURS_LIST_MAX];
    int8_t byweekno[HOURS_LIST_MAX];
    char tz[HOURS_TZ_MAX]; /* with HOURS_TZ_NAMED */
} hours_rule;

/* Parses one HSDS schedule object into *OUT. Reads only the fields named
 * above (and "closed", "bymonth"); other keys (id, service_id, description,
 * attributes, metadata ...) are the caller's. Numbers may come as JSON
 * numbers or strings (the CSV data package has only strings); null is
 * absent. HV_ERR_INVALID, with the field named in *E, when a value is
 * malformed or the fields contradict each other (count with until, an
 * ordinal byday in a weekly rule, an interval with no dtstart ...). E may be
 * NULL. */
hv_result hours_parse(const json_t *schedule, hours_rule *out, hv_err *e);

/* The state of a service at an instant. */
typedef struct hours_state {
    int open;           /* 1: open at the instant */
    int rule;           /* the opening rule in force (index into the rules), or -1 */
    int closure;        /* closed by this closure although an opening applies, or -1 */
    int64_t next_open;  /* when closed: the next opening; when open: the one after
                         * next_close; HOURS_NEVER if none within the horizon */
    int64_t next_close; /* when open: when it closes; when closed: when the next opening
                         * closes; HOURS_NEVER if none within the horizon */
} hours_state;

/* Open or closed at UTC_MS, and when that changes, for the N rules of one
 * service (openings and closures; N may be 0: never open). DEFAULT_TZ is the
 * zone of rules that name none (an IANA name, "UTC" or an offset "-08:00").
 * A run of openings that touch or overlap is one opening. HV_ERR_INVALID
 * for an unknown DEFAULT_TZ or an instant outside core/zone's years,
 * HV_ERR_TOOBIG for N > HOURS_RULES_MAX. No allocation for fast rules. */
hv_result hours_open_at(const hours_rule *rules, int n, const char *default_tz, int64_t utc_ms,
                        hours_state *out);

/* A week of 15-minute slots of local wall-clock time in a zone: slot
 * s = day * 96 + minute / 15, day 0 being the week's first local date. */
#define HOURS_SLOTS      (7 * 96)
#define HOURS_SLOT_WORDS ((HOURS_SLOTS + 63) / 64)

typedef struct hours_week {
    int64_t first_day;               /* the local date of day 0 (days since 1970-01-01) */
    uint64_t open[HOURS_SLOT_WORDS]; /* bit s: open at some instant of slot s */
    int exact;                       /* 1: open throughout every set slot, so a bit is
                                      * the answer; 0: a set bit needs hours_open_at() */
} hours_week;

/* The week of slots from local date FIRST_DAY (days since 1970-01-01; use
 * the first_day hours_slot() gives) in zone TZ, for the N rules of one
 * service: recurrences, valid dates, closures and daylight-saving changes of
 * that week included. A clear bit is closed for the whole slot; a set bit is
 * open throughout the slot when W->exact, else open for part of it (a time
 * that is not on a quarter hour, the fall-back hour). Wall times that do not
 * exist (the spring-forward gap) are clear. Errors as hours_open_at(). */
hv_result hours_week_mask(const hours_rule *rules, int n, const char *tz, int64_t first_day,
                          hours_week *w);

/* The week (*FIRST_DAY: the Monday on or before the local date, as days
 * since 1970-01-01) and slot of the instant UTC_MS on the wall clock of TZ.
 * HV_ERR_INVALID for an unknown zone or an instant out of range. */
hv_result hours_slot(const char *tz, int64_t utc_ms, int64_t *first_day, int *slot);

/* 1 if slot SLOT (0..HOURS_SLOTS-1) of W is set. */
static inline int
hours_week_test(const hours_week *w, int slot)
{
    return (int)((w->open[slot >> 6] >> (slot & 63)) & 1u);
}

#endif
