/*
 * config.c — the optional configuration file.
 *
 * A scheduled crawl and the analysts' commands should agree on the
 * database, feeds, rules and alert channels without repeating flags in
 * every crontab line, so feedsift reads one small file:
 *
 *     # ~/.config/feedsift/config
 *     db = /var/lib/feedsift/feedsift.db
 *     alert_webhook = https://hooks.example.org/feedsift
 *
 * Invariants:
 *  - Precedence is flag > environment > file > built-in default.  The file
 *    only fills FEEDSIFT_* environment variables that are not set, so every
 *    command keeps reading one source (getenv) and flags still win.
 *  - Which file: --config FILE, else $FEEDSIFT_CONFIG, else
 *    $XDG_CONFIG_HOME/feedsift/config (~/.config/feedsift/config).  A file
 *    named explicitly must exist; the default one may be missing.
 *  - Any unknown key or malformed line is an error naming file:line, so a
 *    typo never silently falls back to a default.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
    const char *key;
    const char *env;
} config_keys[] = {
    {"db", "FEEDSIFT_DB"},
    {"feeds", "FEEDSIFT_FEEDS"},
    {"rules", "FEEDSIFT_RULES"},
    {"contact", "FEEDSIFT_CONTACT"},
    {"ca_file", "FEEDSIFT_CA_FILE"},
    {"busy_timeout_ms", "FEEDSIFT_BUSY_TIMEOUT_MS"},
    {"cache_dir", "FEEDSIFT_CACHE_DIR"},
    {"alert_exec", "FEEDSIFT_ALERT_EXEC"},
    {"alert_webhook", "FEEDSIFT_ALERT_WEBHOOK"},
    {"alert_secret_file", "FEEDSIFT_ALERT_SECRET_FILE"},
    {"alert_timeout", "FEEDSIFT_ALERT_TIMEOUT"},
};

static const char *config_env(const char *key)
{
    for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++)
        if (!strcmp(config_keys[i].key, key))
            return config_keys[i].env;
    return NULL;
}

/* One "key = value" line (already trimmed, not a comment or blank). */
static int config_line(const char *path, int lineno, char *line)
{
    char *eq = strchr(line, '=');
    if (!eq) {
        fprintf(stderr, "feedsift: %s:%d: expected 'key = value'\n", path,
                lineno);
        return EXIT_USAGE;
    }
    char *end = eq;
    while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *end = '\0';
    char *value = eq + 1;
    value += strspn(value, " \t");
    const char *env = config_env(line);
    if (!env) {
        /* the list from the table, so that it names every key there is */
        struct strbuf known = STRBUF_INIT;
        for (size_t i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]);
             i++)
            strbuf_addf(&known, "%s%s", i ? ", " : "", config_keys[i].key);
        fprintf(stderr, "feedsift: %s:%d: unknown key '%s' (known: %s)\n",
                path, lineno, line, known.buf);
        strbuf_release(&known);
        return EXIT_USAGE;
    }
    if (setenv(env, value, 0) != 0) { /* 0: the environment wins */
        fprintf(stderr, "feedsift: %s:%d: %s\n", path, lineno,
                strerror(errno));
        return EXIT_FAILURE_;
    }
    return 0;
}

int cli_config_load(const char *path)
{
    int explicit = path != NULL;
    struct strbuf def = STRBUF_INIT;
    if (!path) {
        path = getenv("FEEDSIFT_CONFIG");
        explicit = path && *path;
    }
    if (!explicit) {
        const char *xdg = getenv("XDG_CONFIG_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg)
            strbuf_addf(&def, "%s/feedsift/config", xdg);
        else if (home && *home)
            strbuf_addf(&def, "%s/.config/feedsift/config", home);
        else
            return 0;
        path = def.buf;
    }
    struct strbuf text = STRBUF_INIT;
    fs_error err = {0};
    int rc = 0;
    if (fs_read_file(path, &text, 1 << 20, &err) != FS_OK) {
        if (explicit || access(path, F_OK) == 0) {
            fprintf(stderr, "feedsift: %s\n", err.msg);
            rc = EXIT_USAGE;
        }
        goto out;
    }
    int lineno = 0;
    for (char *line = text.buf; line && !rc;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        line += strspn(line, " \t\r");
        size_t n = strlen(line);
        while (n && strchr(" \t\r", line[n - 1]))
            line[--n] = '\0';
        if (n && line[0] != '#')
            rc = config_line(path, lineno, line);
        line = next;
    }
out:
    strbuf_release(&text);
    strbuf_release(&def);
    return rc;
}
