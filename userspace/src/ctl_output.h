/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtiofsctl's output, the way lsblk(8) and findmnt(8) do it: a table of
 * chosen columns (-o, case-insensitive, comma-separated), with or without
 * headings (-n), or JSON.  In a table, a cell's space, backslash and
 * control bytes are written \xHH, so a tag or mount point with spaces
 * stays one column for awk and cut; JSON carries the strings as they are.
 */
#ifndef VFS_CTL_OUTPUT_H
#define VFS_CTL_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_MAX_COLS	16
#define CTL_MAX_ROWS	64
#define CTL_CELL_MAX	1024

struct ctl_column {
	const char *name;	/* heading, and JSON key in lower case */
	bool number;		/* JSON: a number (or null), not a string */
	bool list;		/* JSON: an array of the cell's ','-joined items */
	bool extra;		/* shown only when -o names it */
};

struct ctl_table {
	const struct ctl_column *cols;	/* every column there is */
	size_t ncols;
	size_t order[CTL_MAX_COLS];	/* the chosen ones, in output order */
	size_t nchosen;
	/* cells as given; NULL is empty ("-" in a table, null in JSON) */
	char *cell[CTL_MAX_ROWS][CTL_MAX_COLS];
	size_t nrows;
};

/*
 * Sets up T for COLS; SPEC ("TAG,DEVICE", NULL: all) chooses them.
 * Returns 0, or -1 after saying which name is unknown.
 */
int ctl_table_init(struct ctl_table *t, const struct ctl_column *cols,
		   size_t ncols, const char *spec);
/* Sets row ROW's column COL (an index into cols) to a copy of VAL. */
void ctl_table_set(struct ctl_table *t, size_t row, size_t col,
		   const char *val);
/* Prints as a table (HEADINGS: a first line of names) or as JSON {KEY: [...]} */
void ctl_table_print(const struct ctl_table *t, bool headings);
void ctl_table_print_json(const struct ctl_table *t, const char *key);
/* Row ROW's chosen cells as JSON object members, without the braces. */
void ctl_table_print_json_fields(const struct ctl_table *t, size_t row);
void ctl_table_free(struct ctl_table *t);

/* S as a JSON string, quotes included */
void ctl_json_str(const char *s);

#endif
