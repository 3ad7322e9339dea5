/*
 * static_files.h - the web/ directory, read into memory at start and served
 * with ETags (a hash of the content) so browsers revalidate cheaply.
 */
#ifndef HAVEN_STATIC_FILES_H
#define HAVEN_STATIC_FILES_H

#include <stddef.h>

#include "core/result.h"

typedef struct static_file {
    char *path; /* URL path, "/css/haven.css" */
    char *data;
    size_t len;
    const char *ctype;
    char etag[24]; /* "\"0123456789abcdef\"" */
} static_file;

typedef struct static_files static_files;

hv_result static_load(const char *dir, static_files **out);
void static_free(static_files *sf);
/* Finds the file for URL PATH: exact, then PATH.html, "/" is /index.html. */
const static_file *static_find(const static_files *sf, const char *path);
size_t static_count(const static_files *sf);

#endif
