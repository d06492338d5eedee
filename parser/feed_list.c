/* parser/feed_list.c — placeholder, being written */
#include "parser.h"
typedef int fs_placeholder_feed_list_t;
