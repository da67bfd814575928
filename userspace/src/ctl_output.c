// SPDX-License-Identifier: GPL-2.0
/* virtiofsctl's tables and JSON (see ctl_output.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "ctl_output.h"

int ctl_table_init(struct ctl_table *t, const struct ctl_column *cols,
		   size_t ncols, const char *spec)
{
	const char *p = spec;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols < CTL_MAX_COLS ? ncols : CTL_MAX_COLS;
	if (!spec) {
		for (i = 0; i < t->ncols; i++)
			if (!cols[i].extra)
				t->order[t->nchosen++] = i;
		return 0;
	}
	while (*p) {
		size_t len = strcspn(p, ",");

		for (i = 0; i < t->ncols; i++)
			if (strlen(cols[i].name) == len &&
			    !strncasecmp(cols[i].name, p, len))
				break;
		if (i == t->ncols || !len) {
			char names[256];
			size_t used = 0, k;

			names[0] = '\0';
			for (k = 0; k < t->ncols && used < sizeof(names); k++)
				used += snprintf(names + used, sizeof(names) - used,
						 "%s%s", k ? "," : "", cols[k].name);
			ctl_err("unknown column '%.*s' (columns: %s)",
				(int)(len > 32 ? 32 : len), p, names);
			return -1;
		}
		if (t->nchosen == CTL_MAX_COLS) {
			ctl_err("too many columns in '%.64s'", spec);
			return -1;
		}
		t->order[t->nchosen++] = i;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!t->nchosen) {
		ctl_err("no columns in -o ''");
		return -1;
	}
	return 0;
}

void ctl_table_set(struct ctl_table *t, size_t row, size_t col,
		   const char *val)
{
	if (row >= CTL_MAX_ROWS || col >= t->ncols)
		return;
	if (row >= t->nrows)
		t->nrows = row + 1;
	free(t->cell[row][col]);
	t->cell[row][col] = val ? strdup(val) : NULL;
}

void ctl_table_free(struct ctl_table *t)
{
	size_t r, c;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++)
			free(t->cell[r][c]);
	memset(t, 0, sizeof(*t));
}

/*
 * VAL as a table cell, into BUF: space, '\' and control bytes as \xHH; in
 * a LIST cell the items' '\n' separators become ',' (and a ',' inside an
 * item \x2c).
 */
static void table_escape(const char *val, bool list, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)(val && *val ? val : "-");
	size_t used = 0;

	for (; *p && used + 5 < len; p++) {
		if (list && *p == '\n')
			buf[used++] = ',';
		else if (*p == ' ' || *p == '\\' || *p < 0x20 || *p == 0x7f ||
			 (list && *p == ','))
			used += snprintf(buf + used, len - used, "\\x%02x", *p);
		else
			buf[used++] = (char)*p;
	}
	buf[used] = '\0';
}

/* columns a terminal gives S: UTF-8 continuation bytes take none */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void ctl_table_print(const struct ctl_table *t, bool headings)
{
	static char esc[CTL_MAX_ROWS][CTL_MAX_COLS][CTL_CELL_MAX];
	size_t w[CTL_MAX_COLS] = { 0 };
	size_t r, i;

	for (i = 0; i < t->nchosen; i++) {
		size_t c = t->order[i];

		if (headings)
			w[i] = strlen(t->cols[c].name);
		for (r = 0; r < t->nrows; r++) {
			table_escape(t->cell[r][c], t->cols[c].list, esc[r][i],
				     CTL_CELL_MAX);
			if (width(esc[r][i]) > w[i])
				w[i] = width(esc[r][i]);
		}
	}
	if (headings) {
		for (i = 0; i < t->nchosen; i++) {
			const char *name = t->cols[t->order[i]].name;

			if (i + 1 < t->nchosen)
				printf("%-*s  ", (int)w[i], name);
			else
				printf("%s\n", name);
		}
	}
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->nchosen; i++) {
			const char *s = esc[r][i];

			if (i + 1 == t->nchosen) {
				printf("%s\n", s);
				break;
			}
			printf("%s%*s  ", s, (int)(w[i] - width(s)), "");
		}
	}
}

void ctl_json_str(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void json_key(const char *name)
{
	putchar('"');
	for (; *name; name++)
		putchar(tolower((unsigned char)*name));
	printf("\": ");
}

/* A list cell holds items joined by '\n' (a mount point may have ','). */
static void json_list(const char *val)
{
	const char *p = val;

	putchar('[');
	while (p && *p) {
		size_t len = strcspn(p, "\n");
		char item[CTL_CELL_MAX];

		snprintf(item, sizeof(item), "%.*s", (int)len, p);
		if (p != val)
			printf(", ");
		ctl_json_str(item);
		p += len;
		if (*p)
			p++;
	}
	putchar(']');
}

void ctl_table_print_json_fields(const struct ctl_table *t, size_t row)
{
	size_t i;

	for (i = 0; i < t->nchosen; i++) {
		const struct ctl_column *col = &t->cols[t->order[i]];
		const char *v = row < t->nrows ? t->cell[row][t->order[i]] : NULL;

		if (i)
			printf(", ");
		json_key(col->name);
		if (col->list)
			json_list(v);
		else if (!v)
			printf("null");
		else if (col->number)
			printf("%s", v);
		else
			ctl_json_str(v);
	}
}

void ctl_table_print_json(const struct ctl_table *t, const char *key)
{
	size_t r;

	printf("{\"%s\": [", key);
	for (r = 0; r < t->nrows; r++) {
		printf("%s\n  {", r ? "," : "");
		ctl_table_print_json_fields(t, r);
		putchar('}');
	}
	printf("%s]}\n", t->nrows ? "\n" : "");
}
