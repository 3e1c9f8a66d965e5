// Prints the partition Kafka's Java producer chooses for each key (args: partitionCount key...),
// using Kafka's own code from kafka-clients, so tests compare Gatehouse with the real thing.
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

public class KafkaDefaultPartition {
    public static void main(String[] args) {
        int partitions = Integer.parseInt(args[0]);
        for (int i = 1; i < args.length; i++) {
            byte[] key = args[i].getBytes(StandardCharsets.UTF_8);
            System.out.println(args[i] + "\t" + Utils.toPositive(Utils.murmur2(key)) % partitions);
        }
    }
}
