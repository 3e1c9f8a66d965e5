// Joins a consumer group with the consumer rebalance protocol of KIP-848 (group.protocol=consumer)
// using Kafka's own Java consumer, and stays in it until stdin closes.
// Args: bootstrapServers username password topic groupId
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;

public class ConsumerProtocolMember {
    public static void main(String[] args) throws Exception {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", args[0]);
        properties.put("security.protocol", "SASL_PLAINTEXT");
        properties.put("sasl.mechanism", "PLAIN");
        properties.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + args[1] + "\" password=\"" + args[2] + "\";");
        properties.put("group.id", args[4]);
        properties.put("group.protocol", "consumer");
        properties.put("client.id", "kip848-member");
        properties.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        properties.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            consumer.subscribe(List.of(args[3]));
            Thread stop = new Thread(() -> {
                try {
                    while (System.in.read() != -1) { }
                } catch (Exception ignored) { }
            });
            stop.start();
            System.out.println("joining");
            while (stop.isAlive()) consumer.poll(Duration.ofMillis(200));
        }
    }
}
