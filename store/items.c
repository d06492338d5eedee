/* store/items.c — placeholder, being written */
#include "store.h"
typedef int fs_placeholder_items_t;
