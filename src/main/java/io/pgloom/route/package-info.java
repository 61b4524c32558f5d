/** Read/write routing: which statements may run on a standby (SqlClassifier) and the functions allowed there. */
package io.pgloom.route;
