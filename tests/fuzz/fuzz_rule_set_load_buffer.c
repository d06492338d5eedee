/*
 * fuzz_rule_set_load_buffer.c — the rules language on arbitrary text.
 *
 * A rule set that loads is matched against a fixed item (the seed
 * headline), so compiled patterns, near pairs and evidence extraction run
 * too.  `include` lines are defused (the keyword is renamed) so the fuzzer
 * cannot make the loader read /dev/zero or other files of this machine:
 * includes are covered by the unit tests, not by fuzzing.
 */
#include "fuzz.h"
#include "classifier.h"

static void defuse_includes(char *s)
{
    for (char *p = s; (p = strstr(p, "include")) != NULL; p++)
        *p = 'X';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *text = fuzz_cstring(data, size);
    defuse_includes(text);
    struct rule_set *set = NULL;
    fs_error err;
    if (rule_set_load_buffer(text, size, "fuzz.rules", &set, &err) == FS_OK) {
        (void)rule_set_count(set);
        fuzz_check_utf8("rules version", rule_set_version(set));
        struct classify_input in = {
            .title = "China quietly issues 2025 rare earth mining quotas",
            .summary = "Beijing set quotas for rare-earth mining and smelting; "
                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac",
            .body = "Dow Hits 50,000. Gold and Silver Prices Rebound. "
                    "\xC3\xA9t\xC3\xA9 \xE2\x80\x99quotas\xE2\x80\x99",
            .link = "https://example.com/rare-earths?x=1",
            .feed = "Mining Weekly",
        };
        struct classification c;
        if (rule_set_match(set, &in, &c, &err) == FS_OK) {
            for (size_t i = 0; i < c.n_hits; i++) {
                fuzz_check_utf8("hit tag", c.hits[i].tag);
                fuzz_check_utf8("hit matched", c.hits[i].matched);
            }
            classification_release(&c);
        }
        rule_set_free(set);
    } else if (set) {
        fprintf(stderr, "fuzz: rule_set_load_buffer failed but gave a set\n");
        abort();
    }
    free(text);
    return 0;
}
