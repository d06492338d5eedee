/* classifier/rules_load.c — placeholder, being written */
#include "classifier.h"
typedef int fs_placeholder_rules_load_t;
