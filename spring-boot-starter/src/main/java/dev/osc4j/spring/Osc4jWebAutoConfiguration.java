package dev.osc4j.spring;

import dev.osc4j.MigrationClient;
import dev.osc4j.MigrationFilter;
import dev.osc4j.MigrationState;
import dev.osc4j.MigrationSummary;
import dev.osc4j.dashboard.Dashboard;
import dev.osc4j.dashboard.DashboardServlet;
import dev.osc4j.spi.StateStore;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The parts that need Actuator or a servlet container: the {@code osc4j} health indicator (Spring Boot 4's
 * {@code spring-boot-health}: the store answers; failed migrations are listed), the {@code osc4j} endpoint (the active migrations) and the dashboard at {@code osc4j.dashboard.path} (default {@code /osc4j/}), whose directives
 * need a {@link Dashboard.Authenticator} bean (without one the page is read-only).
 */
@AutoConfiguration(after = Osc4jAutoConfiguration.class)
@Import({
    Osc4jWebAutoConfiguration.HealthConfiguration.class,
    Osc4jWebAutoConfiguration.EndpointConfiguration.class,
    Osc4jWebAutoConfiguration.DashboardConfiguration.class
})
public class Osc4jWebAutoConfiguration {

    /** The health indicator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnBean(MigrationClient.class)
    static class HealthConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "osc4jHealthIndicator")
        HealthIndicator osc4jHealthIndicator(MigrationClient client, ObjectProvider<StateStore> store) {
            String storeType = store.stream()
                    .findFirst()
                    .map(s -> s.getClass().getSimpleName())
                    .orElse("unknown");
            return () -> {
                List<MigrationSummary> active;
                try {
                    active = client.list(MigrationFilter.active());
                } catch (RuntimeException e) {
                    // The exception's class only: a driver's message may name hosts or users.
                    return Health.down()
                            .withDetail("store", storeType)
                            .withDetail("error", e.getClass().getName())
                            .build();
                }
                List<String> failed = active.stream()
                        .filter(s -> s.state() == MigrationState.FAILED)
                        .map(s -> s.id().value())
                        .toList();
                return Health.up()
                        .withDetail("store", storeType)
                        .withDetail("activeMigrations", active.size())
                        .withDetail("failedMigrations", failed)
                        .build();
            };
        }
    }

    /** The Actuator endpoint (apart from the health indicator: Boot 4 ships health without the endpoints too). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
    @ConditionalOnBean(MigrationClient.class)
    static class EndpointConfiguration {
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnAvailableEndpoint(endpoint = Osc4jEndpoint.class)
        Osc4jEndpoint osc4jEndpoint(MigrationClient client) {
            return new Osc4jEndpoint(client);
        }
    }

    /** The dashboard servlet. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({DashboardServlet.class, ServletRegistrationBean.class})
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnBean(MigrationClient.class)
    @ConditionalOnProperty(prefix = "osc4j.dashboard", name = "enabled", matchIfMissing = true)
    static class DashboardConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "osc4jDashboard")
        ServletRegistrationBean<DashboardServlet> osc4jDashboard(
                MigrationClient client,
                ObjectProvider<Dashboard.Authenticator> authenticator,
                Osc4jProperties properties) {
            Dashboard.Builder b = Dashboard.builder(client);
            authenticator.ifAvailable(b::authenticator);
            String path = properties.getDashboard().getPath().replaceAll("/+$", "");
            ServletRegistrationBean<DashboardServlet> r =
                    new ServletRegistrationBean<>(new DashboardServlet(b.build()), path + "/*");
            r.setName("osc4jDashboard");
            return r;
        }
    }
}
