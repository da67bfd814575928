/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BACKEND_LOG_H
#define BACKEND_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

/* Writes "virtiofs-backend: <level>: msg\n" to stderr when level <= log_level. */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/* Parses "error|warn|info|debug"; returns -1 on anything else. */
int log_level_parse(const char *s);

#endif
