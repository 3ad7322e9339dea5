/* log.c - JSON-lines logger (see log.h). */
#include "core/log.h"

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"

static atomic_int log_min = LOG_INFO;
static const char *const log_names[] = {"debug", "info", "warn", "error"};

void
log_set_level(log_level lv)
{
    atomic_store(&log_min, (int)lv);
}

int
log_enabled(log_level lv)
{
    return (int)lv >= atomic_load(&log_min);
}

int
log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s && strcmp(s, log_names[i]) == 0)
            return i;
    return -1;
}

void
log_event(log_level lv, const char *msg, json_t *fields)
{
    if (!log_enabled(lv)) {
        json_decref(fields);
        return;
    }
    char ts[32];
    clock_format_iso(clock_real_ms(), ts, sizeof ts);
    json_t *line = json_object();
    if (!line) {
        json_decref(fields);
        return;
    }
    json_object_set_new(line, "ts", json_string(ts));
    json_object_set_new(line, "level", json_string(log_names[lv]));
    json_object_set_new(line, "msg", json_string(msg));
    if (fields) {
        json_object_update(line, fields);
        json_decref(fields);
    }
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (!text)
        return;
    size_t n = strlen(text);
    text[n] = '\n'; /* replaces the NUL: one write() keeps lines whole */
    const char *p = text;
    size_t left = n + 1;
    while (left > 0) {
        ssize_t w = write(STDERR_FILENO, p, left);
        if (w <= 0)
            break;
        p += w;
        left -= (size_t)w;
    }
    free(text);
}
