/* What the loader's parts share (charter-sensor.c defines them): JSON output in the loader's
 * escaping, and the minimal command parser. */
#ifndef CHARTER_LOADER_H
#define CHARTER_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* A JSON string of at most n bytes (stops at a NUL), escaped; bytes that are not UTF-8 become U+FFFD. */
void put_str(const char *s, size_t n);
/* "time":"…Z" for a CLOCK_BOOTTIME stamp. */
void put_time(__u64 boot_ns);
/* The raw value of "key" in a flat JSON object line, NULL when absent. */
const char *json_value(const char *line, const char *key);
/* The string value of "key" (simple escapes only); false when absent, not a string or too long. */
bool json_str(const char *line, const char *key, char *out, size_t size);
/* The one reply line a command gets: ok, or the error. */
void reply(const char *op, const char *error);

#endif
