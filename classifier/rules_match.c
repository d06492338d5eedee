/* classifier/rules_match.c — placeholder, being written */
#include "classifier.h"
typedef int fs_placeholder_rules_match_t;
