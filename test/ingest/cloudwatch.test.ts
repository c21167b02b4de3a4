import { describe, expect, it } from "vitest";
import { WebhookParseError } from "../../src/ingest/errors.ts";
import { isSnsUrlForTopic, snsStringToSign } from "../../src/ingest/sns.ts";
import { cloudwatch } from "../../src/ingest/sources/cloudwatch.ts";
import { fixture, req, selfSignedCertificate, signSnsMessage } from "./helpers.ts";

const lambdaRaw = fixture("alarm-sns-lambda-single-metric.json");
const signer = selfSignedCertificate();
const other = selfSignedCertificate();
const TOPIC = "arn:aws:sns:us-east-1:123456789012:aisre-alarms";
const CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem";

function alarm(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AlarmName: "checkout-p99-latency",
    AlarmDescription: "p99 latency above 2s. service=checkout severity=critical",
    AWSAccountId: "123456789012",
    AlarmConfigurationUpdatedTimestamp: "2026-01-01T10:00:00.000+0000",
    NewStateValue: "ALARM",
    NewStateReason: "Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (2.0).",
    StateChangeTime: "2026-01-02T03:00:00.000+0000",
    Region: "US East (N. Virginia)",
    AlarmArn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-p99-latency",
    OldStateValue: "OK",
    OKActions: [],
    AlarmActions: [TOPIC],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: "TargetResponseTime",
      Namespace: "AWS/ApplicationELB",
      StatisticType: "ExtendedStatistic",
      ExtendedStatistic: "p99",
      Unit: null,
      Dimensions: [{ value: "app/checkout-alb/50dc6c495c0c9188", name: "LoadBalancer" }],
      Period: 60,
      EvaluationPeriods: 3,
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 2.0,
      TreatMissingData: "missing",
      EvaluateLowSampleCountPercentile: "",
    },
    ...overrides,
  };
}

/** An SNS HTTPS Notification as SNS posts it, signed with `key` (version 1 or 2). */
function notification(message: Record<string, unknown> = alarm(), version: "1" | "2" = "1", key = signer.privateKey, extra: Record<string, string> = {}) {
  return signSnsMessage(
    {
      Type: "Notification",
      MessageId: "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
      TopicArn: TOPIC,
      Subject: 'ALARM: "checkout-p99-latency" in US East (N. Virginia)',
      Message: JSON.stringify(message),
      Timestamp: "2026-01-02T03:00:01.234Z",
      SigningCertURL: CERT_URL,
      UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:aisre-alarms:c9135db0",
      ...extra,
    },
    key,
    version,
  );
}

const snsHeaders = (type = "Notification") => ({ "x-amz-sns-message-type": type, "x-amz-sns-message-id": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324", "x-amz-sns-topic-arn": TOPIC, "content-type": "text/plain; charset=UTF-8" });

function fieldOf(body: unknown, headers: Record<string, string> = {}): string {
  try {
    cloudwatch.parse(req(body, headers));
  } catch (e) {
    if (e instanceof WebhookParseError) return e.field;
    throw e;
  }
  return "no error";
}

describe("cloudwatch alarms via SNS", () => {
  it("parses the real Lambda Records envelope", () => {
    const out = cloudwatch.parse(req(lambdaRaw));
    expect(out.deliveryId).toBe("95df01b4-ee98-5cb9-9903-4c221d41eb5e");
    expect(out.alerts).toEqual([
      {
        fingerprint: "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE",
        source: "cloudwatch",
        name: "EXAMPLE",
        status: "firing",
        severity: "sev3",
        summary: "EXAMPLE",
        description: "Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (06/03/15 17:43:27)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).",
        labels: { InstanceId: "TestInstance", alarm_name: "EXAMPLE", aws_account: "123456789012", namespace: "AWS/EC2", metric_name: "NetworkOut", statistic: "AVERAGE" },
        startsAt: "2015-06-03T17:43:27.123Z",
      },
    ]);
    // No certificate configured: accepted as is. With one, the fixture's "EXAMPLE" signature fails.
    expect(cloudwatch.verify(req(lambdaRaw), {})).toEqual({ ok: true });
    expect(cloudwatch.verify(req(lambdaRaw), { snsCertificatePem: signer.certificatePem })).toMatchObject({ ok: false });
  });

  it("verifies SignatureVersion 1 (SHA1withRSA) and 2 (SHA256withRSA) against the configured certificate", () => {
    for (const v of ["1", "2"] as const) {
      const body = notification(alarm(), v);
      expect(cloudwatch.verify(req(body, snsHeaders()), { snsCertificatePem: signer.certificatePem })).toEqual({ ok: true });
      expect(cloudwatch.verify(req(body, snsHeaders()), { snsCertificatePem: signer.publicKeyPem })).toEqual({ ok: true });
      expect(cloudwatch.verify(req(body, snsHeaders()), { snsCertificatePem: other.certificatePem })).toMatchObject({ ok: false });
      // A bundle (old and new certificate during rotation) verifies with either.
      expect(cloudwatch.verify(req(body, snsHeaders()), { snsCertificatePem: other.certificatePem + signer.certificatePem })).toEqual({ ok: true });
    }
  });

  it("refuses a tampered message", () => {
    const body = notification();
    const tampered = { ...body, Message: JSON.stringify(alarm({ NewStateValue: "OK" })) };
    expect(cloudwatch.verify(req(tampered, snsHeaders()), { snsCertificatePem: signer.certificatePem })).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify/) });
    expect(cloudwatch.verify(req({ ...body, Subject: "changed" }, snsHeaders()), { snsCertificatePem: signer.certificatePem })).toMatchObject({ ok: false });
    expect(cloudwatch.verify(req({ ...body, SignatureVersion: "3" }, snsHeaders()), { snsCertificatePem: signer.certificatePem })).toMatchObject({ ok: false, reason: expect.stringMatching(/SignatureVersion/) });
    expect(cloudwatch.verify(req({ ...body, Signature: undefined }, snsHeaders()), { snsCertificatePem: signer.certificatePem })).toMatchObject({ ok: false });
  });

  it("signs the Subject only when present (string-to-sign per AWS docs)", () => {
    const withSubject = snsStringToSign({ Type: "Notification", MessageId: "m", TopicArn: "t", Message: "x", Timestamp: "ts", Subject: "s" });
    expect(withSubject).toBe("Message\nx\nMessageId\nm\nSubject\ns\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n");
    expect(snsStringToSign({ Type: "Notification", MessageId: "m", TopicArn: "t", Message: "x", Timestamp: "ts", Subject: null })).toBe("Message\nx\nMessageId\nm\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n");
    expect(snsStringToSign({ Type: "SubscriptionConfirmation", MessageId: "m", TopicArn: "t", Message: "x", Timestamp: "ts", SubscribeURL: "u", Token: "k" })).toBe("Message\nx\nMessageId\nm\nSubscribeURL\nu\nTimestamp\nts\nToken\nk\nTopicArn\nt\nType\nSubscriptionConfirmation\n");
    const noSubject = notification(alarm(), "1", signer.privateKey, {});
    delete noSubject.Subject;
    const resigned = signSnsMessage(noSubject, signer.privateKey, "2");
    expect(cloudwatch.verify(req(resigned), { snsCertificatePem: signer.certificatePem })).toEqual({ ok: true });
  });

  it("checks the SigningCertURL host against the topic's region", () => {
    const body = notification(alarm(), "1", signer.privateKey, { SigningCertURL: "https://evil.example.com/cert.pem" });
    expect(cloudwatch.verify(req(body), {})).toMatchObject({ ok: false, reason: expect.stringMatching(/SigningCertURL/) });
    expect(cloudwatch.verify(req(notification(alarm(), "1", signer.privateKey, { SigningCertURL: "https://sns.eu-west-1.amazonaws.com/x.pem" })), {})).toMatchObject({ ok: false });
    expect(isSnsUrlForTopic(CERT_URL, TOPIC)).toBe(true);
    expect(isSnsUrlForTopic("http://sns.us-east-1.amazonaws.com/x.pem", TOPIC)).toBe(false);
    expect(isSnsUrlForTopic("https://sns.us-east-1.amazonaws.com.evil.io/x.pem", TOPIC)).toBe(false);
    expect(isSnsUrlForTopic("https://sns.cn-north-1.amazonaws.com.cn/x.pem", "arn:aws-cn:sns:cn-north-1:123456789012:t")).toBe(true);
  });

  it("refuses topics outside the allow-list", () => {
    expect(cloudwatch.verify(req(notification()), { snsTopicArns: ["arn:aws:sns:us-east-1:123456789012:other"] })).toMatchObject({ ok: false, reason: expect.stringMatching(/not in the allowed topics/) });
    expect(cloudwatch.verify(req(notification()), { snsTopicArns: [TOPIC] })).toEqual({ ok: true });
  });

  it("parses an HTTPS Notification: ALARM → firing, with service and severity from the description", () => {
    const out = cloudwatch.parse(req(notification(), snsHeaders()));
    expect(out.deliveryId).toBe("22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324");
    expect(out.alerts).toEqual([
      {
        fingerprint: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-p99-latency",
        source: "cloudwatch",
        name: "checkout-p99-latency",
        status: "firing",
        severity: "sev2",
        service: "checkout",
        summary: "p99 latency above 2s. service=checkout severity=critical",
        description: "Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (2.0).",
        labels: {
          LoadBalancer: "app/checkout-alb/50dc6c495c0c9188",
          alarm_name: "checkout-p99-latency",
          aws_account: "123456789012",
          region: "us-east-1",
          namespace: "AWS/ApplicationELB",
          metric_name: "TargetResponseTime",
          statistic: "p99",
          severity: "critical",
          service: "checkout",
        },
        startsAt: "2026-01-02T03:00:00.000Z",
        generatorUrl: "https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/checkout-p99-latency",
      },
    ]);
  });

  it("OK → resolved; INSUFFICIENT_DATA → ignored", () => {
    const ok = cloudwatch.parse(req(notification(alarm({ NewStateValue: "OK", OldStateValue: "ALARM", StateChangeTime: "2026-01-02T03:20:00.000+0000" }))));
    expect(ok.alerts[0]).toMatchObject({ status: "resolved", startsAt: "2026-01-02T03:20:00.000Z", endsAt: "2026-01-02T03:20:00.000Z" });
    const nodata = cloudwatch.parse(req(notification(alarm({ NewStateValue: "INSUFFICIENT_DATA" }))));
    expect(nodata.alerts).toEqual([]);
    expect(nodata.ignored).toEqual(["checkout-p99-latency: INSUFFICIENT_DATA ignored"]);
  });

  it("takes the service from dimensions when the alarm names none", () => {
    const a = alarm({ AlarmDescription: null, Trigger: { MetricName: "Errors", Namespace: "AWS/Lambda", Statistic: "SUM", Dimensions: [{ name: "FunctionName", value: "payments-webhook" }] } });
    expect(cloudwatch.parse(req(notification(a))).alerts[0]).toMatchObject({ service: "payments-webhook", summary: "checkout-p99-latency", severity: "sev3" });
    const math = alarm({
      AlarmDescription: "",
      Trigger: {
        Metrics: [
          { Id: "e1", Expression: "m1/m2" },
          {
            Id: "m1",
            MetricStat: {
              Metric: {
                MetricName: "5xx",
                Namespace: "AWS/ECS",
                Dimensions: [
                  { name: "ServiceName", value: "orders" },
                  { name: "ClusterName", value: "prod" },
                ],
              },
            },
          },
        ],
      },
    });
    expect(cloudwatch.parse(req(notification(math))).alerts[0]).toMatchObject({ service: "orders", labels: expect.objectContaining({ ClusterName: "prod", metric_name: "5xx" }) });
  });

  it("confirms a SubscriptionConfirmation (signed) by handing back its SubscribeURL", () => {
    const sub = signSnsMessage(
      {
        Type: "SubscriptionConfirmation",
        MessageId: "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        Token: "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736",
        TopicArn: TOPIC,
        Message: `You have chosen to subscribe to the topic ${TOPIC}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
        SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=2336412f37`,
        Timestamp: "2026-01-02T03:00:00.000Z",
        SigningCertURL: CERT_URL,
      },
      signer.privateKey,
      "1",
    );
    expect(cloudwatch.verify(req(sub, snsHeaders("SubscriptionConfirmation")), { snsCertificatePem: signer.certificatePem })).toEqual({ ok: true });
    expect(cloudwatch.verify(req({ ...sub, Token: "other" }), { snsCertificatePem: signer.certificatePem })).toMatchObject({ ok: false });
    const out = cloudwatch.parse(req(sub, snsHeaders("SubscriptionConfirmation")));
    expect(out.confirmUrl).toBe(sub.SubscribeURL);
    expect(out.reply).toEqual({ status: 200, body: { ok: true, confirming: TOPIC } });
    expect(out.alerts).toEqual([]);
    expect(fieldOf({ ...sub, SubscribeURL: "https://169.254.169.254/latest/meta-data/" })).toBe("SubscribeURL");
    const unsub = cloudwatch.parse(req({ ...sub, Type: "UnsubscribeConfirmation" }));
    expect(unsub.reply?.status).toBe(200);
    expect(unsub.confirmUrl).toBeUndefined();
  });

  it("accepts raw message delivery only when no certificate is configured", () => {
    const raw = alarm();
    expect(cloudwatch.parse(req(raw)).alerts[0]?.status).toBe("firing");
    expect(cloudwatch.verify(req(raw), {})).toEqual({ ok: true });
    expect(cloudwatch.verify(req(raw), { snsCertificatePem: signer.certificatePem })).toMatchObject({ ok: false });
  });

  it("names the malformed field, inside the Message too", () => {
    expect(fieldOf({ ...notification(), Message: "not json" })).toBe("Message");
    const noState = alarm();
    delete noState.NewStateValue;
    expect(fieldOf(notification(noState))).toBe("Message.NewStateValue");
    expect(fieldOf(notification(alarm({ Trigger: { Dimensions: [{ name: "X" }] } })))).toBe("Message.Trigger.Dimensions[0].value");
    expect(fieldOf(notification(alarm({ StateChangeTime: "later" })))).toBe("Message.StateChangeTime");
    const lambda = JSON.parse(lambdaRaw) as { Records: Array<{ Sns: { Message: string } }> };
    lambda.Records[0]!.Sns.Message = JSON.stringify({ ...(JSON.parse(lambda.Records[0]!.Sns.Message) as object), NewStateValue: "BROKEN" });
    expect(fieldOf(lambda)).toBe("Records[0].Sns.Message.NewStateValue");
    expect(fieldOf({ Records: [] })).toBe("Records");
    expect(fieldOf({ ...notification(), Type: "Other" })).toBe("Type");
    expect(fieldOf(notification(), snsHeaders("SubscriptionConfirmation"))).toBe("Type");
    expect(fieldOf("")).toBe("body");
  });
});
