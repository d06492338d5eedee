/* store/query.c — placeholder, being written */
#include "store.h"
typedef int fs_placeholder_query_t;
