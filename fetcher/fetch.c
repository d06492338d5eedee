/* fetch.c — placeholder, being written */
#include "fetcher.h"
#include <curl/curl.h>
fs_code fetch_global_init(fs_error *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return fs_error_set(err, FS_ENET, "cannot initialise libcurl");
    return FS_OK;
}
void fetch_global_cleanup(void) { curl_global_cleanup(); }
