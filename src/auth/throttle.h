/*
 * throttle.h - fixed-window rate limits kept in memory, for sign-in attempts
 * per client address. Keys are hashed; the table has a fixed size, and an
 * old entry is reused when it fills.
 */
#ifndef HAVEN_THROTTLE_H
#define HAVEN_THROTTLE_H

#include <stdint.h>

/* 1 if one more event for KEY is allowed within LIMIT per WINDOW_MS at NOW. */
int throttle_allow(const char *key, int limit, int64_t window_ms, int64_t now);
void throttle_reset(void);

#endif
