/** Small pieces two or more packages share: the injectable clock, lock helpers. */
package io.pgloom.util;
