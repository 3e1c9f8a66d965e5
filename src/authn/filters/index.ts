/**
 * @module authn/filters
 *
 * Identity-pool filters: CEL conditions over a token's claims (OAuth pools) or, later, over a
 * client certificate's attributes (certificate pools). Compile once, evaluate per request.
 */
export {
  claimsFilterCompiler,
  createFilterCompiler,
  MAX_FILTER_LENGTH,
  type CompiledFilter,
  type ExplainedCondition,
  type FilterCompileResult,
  type FilterCompiler,
  type FilterCompilerOptions,
  type FilterExplanation,
  type InvalidFilter,
} from './compile-filter.ts'
export { prepareFilterInput, type FilterInput } from './filter-input.ts'
export { describeType, FilterTypes, type FilterScalarKind, type FilterType } from './filter-types.ts'
export type { SourcePosition } from './source-text.ts'
