// The schemas of request bodies and queries, generated from the DTOs'
// class-validator rules, so the description cannot drift from what the
// validation pipe enforces, and no DTO carries a second, Swagger-only copy of
// its rules. Each rule becomes the @ApiProperty option that says the same;
// @nestjs/swagger does the rest (bodies, query parameters, $refs).
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';

type ValidationMetadata = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

/** What dnsLabelProblem (@pn/contracts) accepts, as a pattern. */
const DNS_LABEL_PATTERN = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';

type Dto = abstract new (...args: never[]) => unknown;

const described = new WeakSet<Dto>();

/** One property's schema, from its class-validator rules. */
function propertyOptions(rules: ValidationMetadata[], designType: unknown): ApiPropertyOptions {
  const options: Record<string, unknown> = { required: !rules.some((r) => r.type === 'conditionalValidation') };
  for (const rule of rules) {
    const [first, second] = rule.constraints ?? [];
    switch (rule.name) {
      case 'isString': options.type = 'string'; break;
      case 'isInt': options.type = 'integer'; break;
      case 'isBoolean': options.type = 'boolean'; break;
      case 'min': options.minimum = first; break;
      case 'max': options.maximum = first; break;
      case 'maxLength': options.maxLength = first; break;
      case 'isLength': options.minLength = first; if (second !== undefined) options.maxLength = second; break;
      case 'isIn': options.enum = [...(first as unknown[])]; options.type ??= 'string'; break;
      case 'isDnsLabel':
        Object.assign(options, { type: 'string', minLength: 1, maxLength: 63, pattern: DNS_LABEL_PATTERN, description: 'an RFC 1123 label: lower-case letters, digits and hyphens, not starting or ending with a hyphen' });
        break;
    }
  }
  if (rules.some((r) => r.type === 'nestedValidation') && typeof designType === 'function') {
    describeDto(designType as Dto);
    options.type = designType;
  }
  return options as ApiPropertyOptions;
}

/** Gives every validated property of a DTO (and of the DTOs it nests) its @ApiProperty. */
export function describeDto(dto: Dto): void {
  if (described.has(dto)) return;
  described.add(dto);
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto as never, '', true, false);
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const rule of rules) byProperty.set(rule.propertyName, [...(byProperty.get(rule.propertyName) ?? []), rule]);
  for (const [property, propertyRules] of byProperty) {
    const designType: unknown = Reflect.getMetadata('design:type', dto.prototype as object, property);
    ApiProperty(propertyOptions(propertyRules, designType))(dto.prototype as object, property);
  }
}

/** Every DTO a route of these controllers takes (bodies and queries), inherited routes included. */
export function describeDtosOf(controllers: Iterable<Function>): void {
  for (const controller of controllers) {
    for (let proto = controller.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const method of Object.getOwnPropertyNames(proto)) {
        const types: unknown[] = Reflect.getMetadata('design:paramtypes', proto, method) ?? [];
        for (const type of types) {
          if (typeof type === 'function' && getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length > 0) describeDto(type as Dto);
        }
      }
    }
  }
}
