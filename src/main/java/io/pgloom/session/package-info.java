/** One client's life: accept, startup, authentication, the two pumps, pooling-mode link rules, cancel keys, shutdown. */
package io.pgloom.session;
