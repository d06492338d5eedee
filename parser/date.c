/* parser/date.c — placeholder, being written */
#include "parser.h"
typedef int fs_placeholder_date_t;
