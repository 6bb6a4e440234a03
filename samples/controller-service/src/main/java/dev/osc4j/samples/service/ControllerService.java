package dev.osc4j.samples.service;

import dev.osc4j.ProgressSink;
import dev.osc4j.ProgressSinks;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A controller as a service, on Spring Boot and the osc4j starter: the application declares only what the controller
 * drives (a topology probe and the engines); the starter makes the store from the DataSource ({@code spring.datasource.*},
 * an H2 file by default), the orchestrator with its loop started and stopped with the application, Micrometer metrics
 * (Prometheus at {@code /actuator/prometheus}), the Actuator health indicator and endpoint {@code osc4j}, and the
 * dashboard at {@code /osc4j/}. {@link MigrationsController} adds the HTTP API for operators and scripts. Start
 * several instances on one shared store and they share the work; kill one and the others take its migrations over.
 *
 * <p>This template runs on the testkit's fake topology and engine so it works anywhere. For production, replace
 * {@link #topology} and {@link #engine} with your topology probe and engines (pt-osc, gh-ost, Vitess), point
 * {@code spring.datasource.url} at a shared MySQL or MariaDB (or set {@code osc4j.etcd.endpoints}), and give the
 * dashboard a {@code Dashboard.Authenticator} bean so that it accepts directives.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class ControllerService {

    /** Entry point: Spring Boot's, so every property can be given as {@code --name=value}. */
    public static void main(String[] args) {
        SpringApplication.run(ControllerService.class, args);
    }

    /** The fake topology of the template: keyspace {@code commerce} with four shards. */
    @Bean
    FakeTopology topology() {
        Map<String, Long> rows = new LinkedHashMap<>();
        rows.put("-40", 1_200_000L);
        rows.put("40-80", 800_000L);
        rows.put("80-c0", 400_000L);
        rows.put("c0-", 200_000L);
        return new FakeTopology(Clock.systemUTC()).addKeyspace("commerce", rows);
    }

    /** The fake engine, copying {@code sample.fake-engine.rows-per-second} rows a second on each shard. */
    @Bean
    FakeEngine engine(FakeTopology topology, @Value("${sample.fake-engine.rows-per-second:50000}") long rowsPerSecond) {
        return FakeEngine.builder(topology).rowsPerSecond(rowsPerSecond).build();
    }

    /** Progress in the log every 30 s, beside the starter's Micrometer sink (the starter adds every sink bean). */
    @Bean
    ProgressSink loggingProgress() {
        return ProgressSinks.logging(Duration.ofSeconds(30));
    }
}
