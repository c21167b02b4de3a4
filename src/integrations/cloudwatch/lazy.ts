import type { CloudWatchPort } from "./port.ts";

/**
 * The CloudWatchPort over the AWS SDK (`@aws-sdk/client-cloudwatch`), loaded at its first call: the
 * SDK costs ~0.08 s of CPU to import, and the product is ready (webhooks stored) before anything
 * reads CloudWatch (polling, diagnosis).
 */
export function lazyCloudWatch(options: { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } }): CloudWatchPort {
  let port: Promise<CloudWatchPort> | undefined;
  const cw = () => (port ??= import("./sdk-adapter.ts").then((m) => new m.AwsCloudWatch(options)));
  return {
    getMetricData: async (...a) => (await cw()).getMetricData(...a),
    listMetrics: async (...a) => (await cw()).listMetrics(...a),
    describeAlarms: async (...a) => (await cw()).describeAlarms(...a),
  };
}
