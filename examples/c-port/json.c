/* A small recursive-descent JSON reader (RFC 8259 syntax; \u escapes outside ASCII become '?'). */
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p;
    char *err;
    size_t errlen;
    int depth;
} parser;

static json *fail(parser *ps, const char *what) {
    if (ps->err && !ps->err[0]) snprintf(ps->err, ps->errlen, "%s near '%.12s'", what, ps->p);
    return NULL;
}

static void skip_ws(parser *ps) {
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r') ps->p++;
}

static json *new_value(json_kind kind) {
    json *v = calloc(1, sizeof *v);
    if (v) v->kind = kind;
    return v;
}

static char *parse_string_text(parser *ps) {
    const char *start = ++ps->p; /* after the opening quote */
    size_t n = 0;
    char *out, *o;
    while (*ps->p && *ps->p != '"') {
        if (*ps->p == '\\' && ps->p[1]) ps->p++;
        ps->p++;
        n++;
    }
    if (*ps->p != '"') return (char *)fail(ps, "unterminated string");
    out = o = malloc(n + 1);
    if (!out) return (char *)fail(ps, "out of memory");
    for (const char *s = start; s < ps->p; s++) {
        if (*s != '\\') { *o++ = *s; continue; }
        s++;
        switch (*s) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            unsigned code = 0;
            int k;
            for (k = 1; k <= 4 && s[k]; k++) {
                char c = s[k];
                code = code * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
            }
            *o++ = code < 128 ? (char)code : '?';
            s += k - 1;
            break;
        }
        default: *o++ = *s; /* \" \\ \/ */
        }
    }
    *o = '\0';
    ps->p++;
    return out;
}

static json *parse_value(parser *ps);

static json *parse_container(parser *ps, json_kind kind) {
    char close = kind == JSON_ARRAY ? ']' : '}';
    json *v = new_value(kind), **tail;
    if (!v) return fail(ps, "out of memory");
    if (++ps->depth > 64) { json_free(v); return fail(ps, "nesting too deep"); }
    tail = &v->child;
    ps->p++;
    skip_ws(ps);
    if (*ps->p == close) { ps->p++; ps->depth--; return v; }
    for (;;) {
        char *key = NULL;
        json *item;
        skip_ws(ps);
        if (kind == JSON_OBJECT) {
            if (*ps->p != '"') { json_free(v); return fail(ps, "expected a member name"); }
            if (!(key = parse_string_text(ps))) { json_free(v); return NULL; }
            skip_ws(ps);
            if (*ps->p != ':') { free(key); json_free(v); return fail(ps, "expected ':'"); }
            ps->p++;
        }
        if (!(item = parse_value(ps))) { free(key); json_free(v); return NULL; }
        item->key = key;
        *tail = item;
        tail = &item->next;
        skip_ws(ps);
        if (*ps->p == ',') { ps->p++; continue; }
        if (*ps->p == close) { ps->p++; ps->depth--; return v; }
        json_free(v);
        return fail(ps, "expected ',' or a closing bracket");
    }
}

static json *parse_value(parser *ps) {
    json *v;
    skip_ws(ps);
    switch (*ps->p) {
    case '{': return parse_container(ps, JSON_OBJECT);
    case '[': return parse_container(ps, JSON_ARRAY);
    case '"':
        if (!(v = new_value(JSON_STRING))) return fail(ps, "out of memory");
        if (!(v->text = parse_string_text(ps))) { free(v); return NULL; }
        return v;
    }
    if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "false", 5)) {
        v = new_value(JSON_BOOL);
        if (!v) return fail(ps, "out of memory");
        v->truth = ps->p[0] == 't';
        ps->p += v->truth ? 4 : 5;
        return v;
    }
    if (!strncmp(ps->p, "null", 4)) {
        ps->p += 4;
        v = new_value(JSON_NULL);
        return v ? v : fail(ps, "out of memory");
    }
    if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) {
        const char *start = ps->p;
        size_t n;
        while (*ps->p && strchr("+-0123456789.eE", *ps->p)) ps->p++;
        n = (size_t)(ps->p - start);
        if (!(v = new_value(JSON_NUMBER)) || !(v->text = malloc(n + 1))) { free(v); return fail(ps, "out of memory"); }
        memcpy(v->text, start, n);
        v->text[n] = '\0';
        return v;
    }
    return fail(ps, "unexpected character");
}

json *json_parse(const char *text, char *err, size_t errlen) {
    parser ps = {text, err, errlen, 0};
    json *v;
    if (err && errlen) err[0] = '\0';
    v = parse_value(&ps);
    if (!v) return NULL;
    skip_ws(&ps);
    if (*ps.p) { json_free(v); return fail(&ps, "trailing characters"); }
    return v;
}

json *json_load(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    long size;
    char *text;
    json *v;
    if (!f) { snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno)); return NULL; }
    if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
        !(text = malloc((size_t)size + 1))) {
        fclose(f);
        snprintf(err, errlen, "cannot read %s", path);
        return NULL;
    }
    if (fread(text, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(text);
        snprintf(err, errlen, "cannot read %s", path);
        return NULL;
    }
    fclose(f);
    text[size] = '\0';
    v = json_parse(text, err, errlen);
    free(text);
    return v;
}

void json_free(json *v) {
    while (v) {
        json *next = v->next;
        json_free(v->child);
        free(v->text);
        free(v->key);
        free(v);
        v = next;
    }
}

const json *json_get(const json *obj, const char *key) {
    if (!obj || obj->kind != JSON_OBJECT) return NULL;
    for (const json *m = obj->child; m; m = m->next)
        if (!strcmp(m->key, key)) return m;
    return NULL;
}

size_t json_len(const json *arr) {
    size_t n = 0;
    if (arr && arr->kind == JSON_ARRAY)
        for (const json *e = arr->child; e; e = e->next) n++;
    return n;
}

const json *json_at(const json *arr, size_t i) {
    if (!arr || arr->kind != JSON_ARRAY) return NULL;
    for (const json *e = arr->child; e; e = e->next, i--)
        if (i == 0) return e;
    return NULL;
}

int json_int(const json *v, int64_t *out) {
    char *end;
    long long x;
    if (!v || v->kind != JSON_NUMBER) return -1;
    errno = 0;
    x = strtoll(v->text, &end, 10);
    if (errno || *end) return -1;
    *out = (int64_t)x;
    return 0;
}

const char *json_str(const json *v) {
    return v && v->kind == JSON_STRING ? v->text : NULL;
}
