/**
 * LDAP authentication as PostgreSQL's pg_hba does it (simple bind, search+bind; LDAPS or StartTLS), on plain JDK
 * JNDI run by bounded platform workers. Apart from auth because it reads its rule's settings from config, which
 * itself depends on auth (password verifiers).
 */
package io.pgloom.auth.ldap;
