/* static_files.c - in-memory web assets with ETags (see static_files.h). */
#include "http/static_files.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STATIC_MAX_FILES 2000
#define STATIC_MAX_BYTES (64u << 20)

struct static_files {
    static_file *files;
    size_t n, cap, bytes;
};

static const char *
ctype_of(const char *path)
{
    static const struct {
        const char *ext, *ctype;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".webmanifest", "application/manifest+json"},
        {".txt", "text/plain; charset=utf-8"},
        {".woff2", "font/woff2"},
        {".map", "application/json"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].ctype;
    return "application/octet-stream";
}

static hv_result
load_file(static_files *sf, const char *fs_path, const char *url)
{
    FILE *f = fopen(fs_path, "rb");
    if (!f)
        return HV_ERR_IO;
    struct stat stt;
    if (fstat(fileno(f), &stt) != 0 || stt.st_size < 0 ||
        sf->bytes + (size_t)stt.st_size > STATIC_MAX_BYTES || sf->n >= STATIC_MAX_FILES) {
        fclose(f);
        return HV_ERR_TOOBIG;
    }
    size_t len = (size_t)stt.st_size;
    char *data = malloc(len + 1);
    if (!data || fread(data, 1, len, f) != len) {
        free(data);
        fclose(f);
        return data ? HV_ERR_IO : HV_ERR_NOMEM;
    }
    fclose(f);
    if (sf->n == sf->cap) {
        size_t cap = sf->cap ? sf->cap * 2 : 64;
        static_file *nf = realloc(sf->files, cap * sizeof *nf);
        if (!nf) {
            free(data);
            return HV_ERR_NOMEM;
        }
        sf->files = nf;
        sf->cap = cap;
    }
    static_file *sfile = &sf->files[sf->n];
    sfile->path = strdup(url);
    if (!sfile->path) {
        free(data);
        return HV_ERR_NOMEM;
    }
    sfile->data = data;
    sfile->len = len;
    sfile->ctype = ctype_of(url);
    uint8_t h[8];
    char hex[17];
    crypto_generichash(h, sizeof h, (const uint8_t *)data, len, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(sfile->etag, sizeof sfile->etag, "\"%s\"", hex);
    sf->n++;
    sf->bytes += len;
    return HV_OK;
}

static hv_result
walk(static_files *sf, const char *dir, const char *url_prefix, int depth)
{
    if (depth > 8)
        return HV_OK;
    DIR *d = opendir(dir);
    if (!d)
        return HV_ERR_IO;
    hv_result r = HV_OK;
    struct dirent *de;
    while (r == HV_OK && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* also skips dotfiles */
        char fs_path[1024], url[1024];
        snprintf(fs_path, sizeof fs_path, "%s/%s", dir, de->d_name);
        snprintf(url, sizeof url, "%s/%s", url_prefix, de->d_name);
        struct stat stt;
        if (stat(fs_path, &stt) != 0)
            continue;
        if (S_ISDIR(stt.st_mode))
            r = walk(sf, fs_path, url, depth + 1);
        else if (S_ISREG(stt.st_mode))
            r = load_file(sf, fs_path, url);
    }
    closedir(d);
    return r;
}

static int
cmp_file(const void *a, const void *b)
{
    return strcmp(((const static_file *)a)->path, ((const static_file *)b)->path);
}

hv_result
static_load(const char *dir, static_files **out)
{
    static_files *sf = calloc(1, sizeof *sf);
    if (!sf)
        return HV_ERR_NOMEM;
    hv_result r = walk(sf, dir, "", 0);
    if (r != HV_OK) {
        static_free(sf);
        return r;
    }
    if (sf->n)
        qsort(sf->files, sf->n, sizeof *sf->files, cmp_file);
    *out = sf;
    return HV_OK;
}

void
static_free(static_files *sf)
{
    if (!sf)
        return;
    for (size_t i = 0; i < sf->n; i++) {
        free(sf->files[i].path);
        free(sf->files[i].data);
    }
    free(sf->files);
    free(sf);
}

static const static_file *
lookup(const static_files *sf, const char *path)
{
    static_file key = {.path = (char *)path};
    if (!sf->n)
        return NULL;
    return bsearch(&key, sf->files, sf->n, sizeof *sf->files, cmp_file);
}

const static_file *
static_find(const static_files *sf, const char *path)
{
    if (!sf || !path || path[0] != '/' || strstr(path, ".."))
        return NULL;
    if (strcmp(path, "/") == 0)
        return lookup(sf, "/index.html");
    const static_file *f = lookup(sf, path);
    if (f)
        return f;
    const char *slash = strrchr(path, '/');
    if (!strchr(slash, '.') && strlen(path) < 900) {
        char html[1024];
        snprintf(html, sizeof html, "%s.html", path);
        return lookup(sf, html);
    }
    return NULL;
}

size_t
static_count(const static_files *sf)
{
    return sf ? sf->n : 0;
}
