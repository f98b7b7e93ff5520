/* .npy reading and writing: the magic, a version, a header length, a Python-literal header dict
 * {'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }, then the raw data. */
#include "npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dtype_bits(const char *name) {
    if (!name) return 0;
    if (!strcmp(name, "int8")) return 8;
    if (!strcmp(name, "int16")) return 16;
    if (!strcmp(name, "int32")) return 32;
    if (!strcmp(name, "int64")) return 64;
    return 0;
}

const char *dtype_name(int bits) {
    switch (bits) {
    case 8: return "int8";
    case 16: return "int16";
    case 32: return "int32";
    case 64: return "int64";
    }
    return "?";
}

int tensor_alloc(tensor *t, int bits, int ndim, const int64_t *shape) {
    size_t count = 1;
    if (ndim < 0 || ndim > NPY_MAX_DIMS) return -1;
    t->bits = bits;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return -1;
        t->shape[i] = shape[i];
        count *= (size_t)shape[i];
    }
    t->count = count;
    t->data = calloc(count ? count : 1, sizeof *t->data);
    return t->data ? 0 : -1;
}

void tensor_free(tensor *t) {
    free(t->data);
    t->data = NULL;
}

static int fail(char *err, size_t errlen, const char *path, const char *what) {
    snprintf(err, errlen, "%s: %s", path, what);
    return -1;
}

int npy_read(const char *path, tensor *t, char *err, size_t errlen) {
    unsigned char pre[12];
    size_t hlen, pre_len, width;
    char *header, *p;
    int64_t shape[NPY_MAX_DIMS];
    int ndim = 0, bits;
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, errlen, path, strerror(errno));
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) {
        fclose(f);
        return fail(err, errlen, path, "not a .npy file");
    }
    if (pre[6] == 1) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
        pre_len = 10;
    } else {
        if (fread(pre + 10, 1, 2, f) != 2) { fclose(f); return fail(err, errlen, path, "truncated header"); }
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        pre_len = 12;
    }
    (void)pre_len;
    if (!(header = malloc(hlen + 1)) || fread(header, 1, hlen, f) != hlen) {
        free(header);
        fclose(f);
        return fail(err, errlen, path, "truncated header");
    }
    header[hlen] = '\0';
    if (strstr(header, "'fortran_order': True")) { free(header); fclose(f); return fail(err, errlen, path, "Fortran order"); }
    p = strstr(header, "'descr': '");
    if (!p || !(p[10] == '<' || p[10] == '|') || p[11] != 'i' ||
        !(bits = 8 * atoi(p + 12)) || (bits != 8 && bits != 16 && bits != 32 && bits != 64)) {
        free(header);
        fclose(f);
        return fail(err, errlen, path, "not a little-endian signed integer array");
    }
    p = strstr(header, "'shape': (");
    if (!p) { free(header); fclose(f); return fail(err, errlen, path, "no shape"); }
    for (p += 10; *p && *p != ')';) {
        if (*p == ',' || *p == ' ') { p++; continue; }
        if (ndim == NPY_MAX_DIMS) { free(header); fclose(f); return fail(err, errlen, path, "too many dimensions"); }
        shape[ndim++] = strtoll(p, &p, 10);
    }
    free(header);
    if (tensor_alloc(t, bits, ndim, shape)) { fclose(f); return fail(err, errlen, path, "out of memory"); }
    width = (size_t)bits / 8;
    for (size_t i = 0; i < t->count; i++) {
        unsigned char b[8];
        uint64_t u = 0;
        if (fread(b, 1, width, f) != width) { tensor_free(t); fclose(f); return fail(err, errlen, path, "truncated data"); }
        for (size_t k = 0; k < width; k++) u |= (uint64_t)b[k] << (8 * k);
        if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~(uint64_t)0 << bits; /* sign-extend */
        t->data[i] = (int64_t)u;
    }
    fclose(f);
    return 0;
}

int npy_write(const char *path, const tensor *t, char *err, size_t errlen) {
    char header[256];
    int n;
    size_t total, width = (size_t)t->bits / 8;
    FILE *f;
    n = snprintf(header, sizeof header, "{'descr': '%s%d', 'fortran_order': False, 'shape': (",
                 t->bits == 8 ? "|i" : "<i", t->bits / 8);
    for (int i = 0; i < t->ndim; i++)
        n += snprintf(header + n, sizeof header - (size_t)n, "%lld,%s", (long long)t->shape[i],
                      i + 1 < t->ndim ? " " : "");
    if (t->ndim > 1) n--; /* numpy writes (2, 3) but (5,) */
    n += snprintf(header + n, sizeof header - (size_t)n, "), }");
    total = 10 + (size_t)n + 1;
    while (total % 64) { header[n++] = ' '; total++; }
    header[n++] = '\n';
    if (!(f = fopen(path, "wb"))) return fail(err, errlen, path, strerror(errno));
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc(n & 0xff, f);
    fputc(n >> 8, f);
    fwrite(header, 1, (size_t)n, f);
    for (size_t i = 0; i < t->count; i++) {
        uint64_t u = (uint64_t)t->data[i];
        for (size_t k = 0; k < width; k++) fputc((int)(u >> (8 * k) & 0xff), f);
    }
    if (fclose(f)) return fail(err, errlen, path, "write failed");
    return 0;
}
