export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

export interface VectorMatching {
  /** on(...) when true, ignoring(...) when false. */
  on: boolean;
  labels: string[];
  group?: "left" | "right";
  include: string[];
}

export type Expr =
  | { type: "number"; value: number }
  | { type: "string"; value: string }
  | { type: "selector"; name?: string; matchers: Matcher[]; range?: number; offset: number }
  | { type: "subquery"; expr: Expr; range: number; step: number; offset: number }
  | { type: "call"; func: string; args: Expr[] }
  | { type: "agg"; op: string; grouping: string[]; without: boolean; param?: Expr; expr: Expr }
  | { type: "binary"; op: string; lhs: Expr; rhs: Expr; bool: boolean; matching?: VectorMatching }
  | { type: "unary"; op: "-" | "+"; expr: Expr }
  | { type: "paren"; expr: Expr };

export class PromQLError extends Error {}
