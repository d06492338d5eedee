/* store/store.c — placeholder, being written */
#include "store.h"
typedef int fs_placeholder_store_t;
