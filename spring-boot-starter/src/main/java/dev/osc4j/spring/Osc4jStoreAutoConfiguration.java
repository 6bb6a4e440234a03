package dev.osc4j.spring;

import dev.osc4j.spi.StateStore;
import dev.osc4j.store.etcd.EtcdStateStore;
import dev.osc4j.store.jdbc.JdbcStateStore;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The state store, unless the application declares one: etcd when {@code osc4j.etcd.endpoints} is set, otherwise a
 * {@link JdbcStateStore} on the application's {@link DataSource} (tables {@code osc4j_*}, created or upgraded at
 * start). A configuration of its own, ordered before {@link Osc4jAutoConfiguration}, whose beans need the store.
 */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@EnableConfigurationProperties(Osc4jProperties.class)
public class Osc4jStoreAutoConfiguration {

    /** The etcd store, when endpoints are configured. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(EtcdStateStore.class)
    @ConditionalOnProperty(prefix = "osc4j.etcd", name = "endpoints")
    static class EtcdStore {
        @Bean
        @ConditionalOnMissingBean(StateStore.class)
        EtcdStateStore osc4jStateStore(Osc4jProperties properties) {
            return EtcdStateStore.builder()
                    .endpoints(properties.getEtcd().getEndpoints().toArray(String[]::new))
                    .prefix(properties.getEtcd().getPrefix())
                    .build();
        }
    }

    /** The JDBC store on the application's DataSource (which stays the application's: the store does not close it). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(JdbcStateStore.class)
    @ConditionalOnBean(DataSource.class)
    @ConditionalOnExpression("'${osc4j.etcd.endpoints:}' == ''")
    static class JdbcStore {
        @Bean
        @ConditionalOnMissingBean(StateStore.class)
        JdbcStateStore osc4jStateStore(DataSource dataSource, Osc4jProperties properties) {
            return JdbcStateStore.builder(dataSource)
                    .tablePrefix(properties.getJdbc().getTablePrefix())
                    .createSchema(properties.getJdbc().isCreateSchema())
                    .build();
        }
    }
}
