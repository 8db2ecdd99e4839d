import 'reflect-metadata';
import { Type, plainToInstance } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Min,
  validate,
  ValidateNested,
} from 'class-validator';
import { FieldProblem, flattenValidationErrors } from './problem';

class AddressDto {
  @IsString()
  @Matches(/^\d{6}$/)
  postcode!: string;
}

class AccountDto {
  @IsString()
  @Matches(/^\d{16,19}$/)
  number!: string;
}

class ComplainantDto {
  @IsString()
  @IsNotEmpty()
  name!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AccountDto)
  accounts?: AccountDto[];
}

class ItemDto {
  @IsInt()
  @Min(1)
  amount!: number;

  @IsString()
  currency!: string;
}

class ComplaintDto {
  @IsDefined()
  @ValidateNested()
  @Type(() => ComplainantDto)
  complainant!: ComplainantDto;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ItemDto)
  items!: ItemDto[];

  @IsString()
  summary!: string;
}

const VALID = {
  complainant: { name: '张三', address: { postcode: '200120' }, accounts: [{ number: '6222021234567890' }] },
  items: [{ amount: 500_000, currency: 'CNY' }],
  summary: '信用卡被盗刷',
};

/** Validates a plain body the way Nest's ValidationPipe does, then flattens the errors. */
async function problemsOf(body: unknown, parent?: string): Promise<FieldProblem[]> {
  const errors = await validate(plainToInstance(ComplaintDto, body) as object);
  return flattenValidationErrors(errors, parent);
}
const pathsOf = (problems: FieldProblem[]) => [...new Set(problems.map((p) => p.path))].sort();
const merge = (over: Record<string, unknown>) => ({ ...structuredClone(VALID), ...over });

describe('flattenValidationErrors', () => {
  it('flatten_validBody_hasNoProblems', async () => {
    expect(await problemsOf(VALID)).toEqual([]);
  });

  it('flatten_topLevelProperty_isItsName', async () => {
    const problems = await problemsOf(merge({ summary: 42 }));
    expect(problems).toEqual([{ path: 'summary', message: 'summary must be a string' }]);
  });

  it('flatten_nestedObjectProperty_isDotted_complainantName', async () => {
    const problems = await problemsOf(merge({ complainant: { name: '' } }));
    expect(problems).toEqual([{ path: 'complainant.name', message: 'name should not be empty' }]);
  });

  it('flatten_arrayElementProperty_isIndexed_items0Amount', async () => {
    const problems = await problemsOf(merge({ items: [{ amount: 1.5, currency: 'CNY' }] }));
    expect(problems).toEqual([{ path: 'items[0].amount', message: 'amount must be an integer number' }]);
  });

  it('flatten_laterArrayElements_keepTheirOwnIndex', async () => {
    const problems = await problemsOf(
      merge({
        items: [
          { amount: 100, currency: 'CNY' },
          { amount: 0, currency: 'CNY' },
          { amount: 100, currency: 'CNY' },
          { amount: 100 },
        ],
      }),
    );
    expect(pathsOf(problems)).toEqual(['items[1].amount', 'items[3].currency']);
  });

  it('flatten_threeLevelsDeep_objectInObject', async () => {
    const problems = await problemsOf(merge({ complainant: { name: '张三', address: { postcode: '2001' } } }));
    expect(pathsOf(problems)).toEqual(['complainant.address.postcode']);
  });

  it('flatten_arrayInsideANestedObject_complainantAccounts2Number', async () => {
    const problems = await problemsOf(
      merge({
        complainant: {
          name: '张三',
          accounts: [{ number: '6222021234567890' }, { number: '6222021234567891' }, { number: '1234' }],
        },
      }),
    );
    expect(pathsOf(problems)).toEqual(['complainant.accounts[2].number']);
  });

  it('flatten_everyConstraintOfAProperty_isItsOwnProblem_withThatPath', async () => {
    const problems = await problemsOf(merge({ items: [{ amount: 0.5, currency: 'CNY' }] }));
    expect(problems.map((p) => p.path)).toEqual(['items[0].amount', 'items[0].amount']);
    expect(problems.map((p) => p.message).sort()).toEqual(
      ['amount must be an integer number', 'amount must not be less than 1'].sort(),
    );
  });

  it('flatten_manyProblemsAtDifferentDepths_allListed', async () => {
    const problems = await problemsOf({
      complainant: { name: '', address: { postcode: 'x' }, accounts: [{ number: 'y' }] },
      items: [{ amount: 'ten', currency: 7 }],
      summary: null,
    });
    expect(pathsOf(problems)).toEqual([
      'complainant.accounts[0].number',
      'complainant.address.postcode',
      'complainant.name',
      'items[0].amount',
      'items[0].currency',
      'summary',
    ]);
  });

  it('flatten_constraintOnTheContainerItself_usesTheContainerPath', async () => {
    const problems = await problemsOf(merge({ items: [] }));
    expect(problems).toEqual([{ path: 'items', message: 'items must contain at least 1 elements' }]);
  });

  it('flatten_missingNestedObject_isReportedAtItsOwnPath', async () => {
    const problems = await problemsOf(merge({ complainant: undefined }));
    expect(pathsOf(problems)).toEqual(['complainant']);
  });

  it('flatten_withAParent_prefixesEveryPath', async () => {
    const problems = await problemsOf(merge({ complainant: { name: '' }, items: [{ amount: 1.5, currency: 'CNY' }] }), 'body');
    expect(pathsOf(problems)).toEqual(['body.complainant.name', 'body.items[0].amount']);
  });

  it('flatten_nodesWithoutConstraints_produceNoProblemsOfTheirOwn', async () => {
    // the 'complainant' and 'items' / '0' nodes only carry children: no entry for them
    const problems = await problemsOf(merge({ complainant: { name: '' }, items: [{ amount: 1.5, currency: 'CNY' }] }));
    expect(problems.map((p) => p.path)).toEqual(['complainant.name', 'items[0].amount']);
  });
});
