/*
 * log.h - structured logs as JSON lines on stderr.
 *
 * One line per event: {"ts":..,"level":..,"msg":..,<fields>}. Fields carry
 * ids, routes, codes and durations only: never names, dates of birth,
 * addresses, phone numbers or free text a person typed. Callers pass fields
 * as a jansson object, which log_event() takes ownership of.
 */
#ifndef HAVEN_LOG_H
#define HAVEN_LOG_H

#include <jansson.h>

typedef enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_set_level(log_level lv);
int log_enabled(log_level lv);
/* Emits MSG with FIELDS (may be NULL; the reference is stolen). */
void log_event(log_level lv, const char *msg, json_t *fields);
/* Shorthands with no fields. */
#define log_info(msg)  log_event(LOG_INFO, (msg), NULL)
#define log_warn(msg)  log_event(LOG_WARN, (msg), NULL)
#define log_error(msg) log_event(LOG_ERROR, (msg), NULL)
/* Parses "debug", "info", "warn", "error"; returns -1 if unknown. */
int log_level_parse(const char *s);

#endif
