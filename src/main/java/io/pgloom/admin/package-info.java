/** The operator's views: the admin console (database "pgloom") and the HTTP endpoints; they read, they own no state. */
package io.pgloom.admin;
