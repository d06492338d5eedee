/* store/schema.c — placeholder, being written */
#include "store.h"
typedef int fs_placeholder_schema_t;
