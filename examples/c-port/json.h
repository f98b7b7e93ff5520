/* A small JSON reader: enough for lunaref's request.json and case.json (spec/formats/vectors.md §2, §6).
 * Numbers keep their text; json_int() converts it.  C99, no dependencies. */
#ifndef LUNA_PORT_JSON_H
#define LUNA_PORT_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_kind;

typedef struct json {
    json_kind kind;
    char *text;             /* string contents (unescaped) or number text; key for object members */
    char *key;              /* the member name when this value is inside an object */
    int truth;              /* JSON_BOOL */
    struct json *child;     /* first element / member */
    struct json *next;      /* next sibling */
} json;

/* Parse a whole document; NULL (and a message in err) if it is not JSON. */
json *json_parse(const char *text, char *err, size_t errlen);
/* Read and parse a file; NULL with a message on failure. */
json *json_load(const char *path, char *err, size_t errlen);
void json_free(json *v);

/* Member of an object by name, or NULL. */
const json *json_get(const json *obj, const char *key);
/* Element count of an array (0 for anything else) and element i. */
size_t json_len(const json *arr);
const json *json_at(const json *arr, size_t i);
/* An integer number's value; returns 0 on success, -1 if v is not an integer that fits int64. */
int json_int(const json *v, int64_t *out);
/* A string's contents, or NULL. */
const char *json_str(const json *v);

#endif
